import Testing
@testable import PTTProtocol
@testable import PTTAudioCore

/// The jitter buffer, on an injected clock (microseconds).
@Suite struct JitterBufferTests {
    /// A 20 ms CELT-only Opus TOC byte followed by the frame's seq, so played payloads can be identified.
    static func payload(_ seq: UInt16) -> [UInt8] { [0xF8, UInt8(seq >> 8), UInt8(seq & 0xFF)] }
    static func seqOf(_ p: [UInt8]) -> UInt16 { UInt16(p[1]) << 8 | UInt16(p[2]) }

    enum Out: Equatable { case silence, play(UInt16, Bool), recover(UInt16), conceal, underrun }

    static func out(_ a: JitterBuffer.Action) -> Out {
        switch a {
        case .silence: return .silence
        case .play(let p, let last): return .play(seqOf(p), last)
        case .recover(let p): return .recover(seqOf(p))
        case .conceal: return .conceal
        case .underrun: return .underrun
        }
    }

    /// Delivers frames (seq, flags, arrival µs) and pulls one action every 20 ms from `pullFrom`
    /// for `ticks` ticks. Returns the actions.
    static func simulate(_ jb: inout JitterBuffer, arrivals: [(UInt16, AudioFrame.Flags, Int)], pullFrom: Int, ticks: Int) -> [Out] {
        var pending = arrivals.sorted { $0.2 < $1.2 }
        var result: [Out] = []
        for t in 0..<ticks {
            let now = pullFrom + t * 20_000
            while let f = pending.first, f.2 <= now {
                jb.insert(seq: f.0, flags: f.1, payload: payload(f.0), at: f.2)
                pending.removeFirst()
            }
            result.append(out(jb.next(at: now)))
        }
        return result
    }

    /// A spurt of `n` frames from `first`, sent every 20 ms from t=0, arriving after `delay(i)`.
    static func spurt(_ first: UInt16, _ n: Int, delay: (Int) -> Int = { _ in 5_000 }) -> [(UInt16, AudioFrame.Flags, Int)] {
        (0..<n).map { i in
            var f: AudioFrame.Flags = []
            if i == 0 { f.insert(.start) }
            if i == n - 1 { f.insert(.end) }
            return (first &+ UInt16(i), f, i * 20_000 + delay(i))
        }
    }

    @Test func playsInOrderAfterPrefill() {
        var config = JitterBuffer.Configuration()
        config.initialTarget = 2
        var jb = JitterBuffer(config)
        let actions = Self.simulate(&jb, arrivals: Self.spurt(100, 10), pullFrom: 0, ticks: 16)
        let played = actions.compactMap { if case .play(let s, _) = $0 { return s } else { return nil } }
        #expect(played == Array(100..<110))
        #expect(actions.contains(.play(109, true)))
        // Prefill of 2 frames: the first frame plays at the tick after the second arrived.
        #expect(actions.prefix(2) == [.silence, .silence])
        #expect(!jb.isActive)
        #expect(jb.statistics.lost == 0 && jb.statistics.concealed == 0)
    }

    /// A buffer that starts two frames deep (the default starts at one and grows on jitter).
    static func twoFrames() -> JitterBuffer {
        var config = JitterBuffer.Configuration()
        config.initialTarget = 2
        return JitterBuffer(config)
    }

    @Test func reordersFrames() {
        var jb = Self.twoFrames()
        var arr = Self.spurt(0, 10)
        // Swap arrival times of 4 and 5, and of 7 and 8.
        let t4 = arr[4].2; arr[4].2 = arr[5].2; arr[5].2 = t4
        let t7 = arr[7].2; arr[7].2 = arr[8].2; arr[8].2 = t7
        let actions = Self.simulate(&jb, arrivals: arr, pullFrom: 0, ticks: 20)
        let played = actions.compactMap { if case .play(let s, _) = $0 { return s } else { return nil } }
        #expect(played == Array(0..<10))
        #expect(jb.statistics.lost == 0)
    }

    @Test func singleLossIsRecoveredFromTheNextPacketsFEC() {
        var jb = Self.twoFrames()
        let arr = Self.spurt(0, 10).filter { $0.0 != 4 }
        let actions = Self.simulate(&jb, arrivals: arr, pullFrom: 0, ticks: 16)
        let i = actions.firstIndex(of: .play(3, false))
        #expect(i != nil)
        if let i { #expect(actions[i + 1] == .recover(5)); #expect(actions[i + 2] == .play(5, false)) }
        #expect(jb.statistics.lost == 1 && jb.statistics.recovered == 1)
    }

    @Test func burstLossIsConcealedThenRecovered() {
        var jb = JitterBuffer()
        let arr = Self.spurt(0, 12).filter { !(3...5).contains($0.0) }
        let actions = Self.simulate(&jb, arrivals: arr, pullFrom: 0, ticks: 20)
        let i = actions.firstIndex(of: .play(2, false))
        #expect(i != nil)
        if let i {
            // 3 and 4: nothing after them yet -> PLC (holding back while nothing is buffered),
            // then once 6 is in, the gap is a loss: 5 is rebuilt from 6's FEC.
            #expect(actions[(i + 1)...].contains(.recover(6)))
            #expect(actions[(i + 1)...].contains(.play(6, false)))
        }
        let played = actions.compactMap { if case .play(let s, _) = $0 { return s } else { return nil } }
        #expect(played == [0, 1, 2] + Array(6..<12))
        #expect(jb.statistics.lost == 3)
        #expect(jb.statistics.concealed >= 2)
    }

    @Test func seqWrapsAround() {
        var jb = JitterBuffer()
        let actions = Self.simulate(&jb, arrivals: Self.spurt(65530, 12), pullFrom: 0, ticks: 18)
        let played = actions.compactMap { if case .play(let s, _) = $0 { return s } else { return nil } }
        #expect(played == (0..<12).map { 65530 &+ UInt16($0) })
        #expect(jb.statistics.lost == 0)
    }

    @Test func duplicatesAreDropped() {
        var jb = JitterBuffer()
        var arr = Self.spurt(0, 10)
        arr.append((3, [], 3 * 20_000 + 6_000))     // while still buffered
        arr.append((1, [], 8 * 20_000))              // long after it was played
        let actions = Self.simulate(&jb, arrivals: arr, pullFrom: 0, ticks: 16)
        let played = actions.compactMap { if case .play(let s, _) = $0 { return s } else { return nil } }
        #expect(played == Array(0..<10))
        #expect(jb.statistics.duplicates == 2)
        #expect(jb.statistics.late == 0)
    }

    @Test func lateFramesAreDroppedAndRaiseTheTarget() {
        var jb = JitterBuffer()
        // Frame 4 arrives 100 ms late, after 5 and 6 made its slot a loss.
        let arr = Self.spurt(0, 12, delay: { $0 == 4 ? 105_000 : 5_000 })
        let before = jb.statistics.target
        let actions = Self.simulate(&jb, arrivals: arr, pullFrom: 0, ticks: 20)
        #expect(actions.contains(.recover(5)))
        #expect(jb.statistics.late == 1)
        #expect(jb.statistics.target > before)
    }

    @Test func startResetsAndEndEnds() {
        var jb = JitterBuffer()
        var arr = Self.spurt(0, 5)
        arr.removeLast()  // END lost
        arr += Self.spurt(5, 5).map { ($0.0, $0.1, $0.2 + 200_000) }
        let actions = Self.simulate(&jb, arrivals: arr, pullFrom: 0, ticks: 30)
        let played = actions.compactMap { if case .play(let s, _) = $0 { return s } else { return nil } }
        #expect(played == [0, 1, 2, 3, 5, 6, 7, 8, 9])
        #expect(jb.statistics.spurts == 2)
        #expect(!jb.isActive)
    }

    @Test func oneSecondOfSilenceEndsASpurt() {
        var jb = JitterBuffer()
        var arr = Self.spurt(0, 5)
        arr.removeLast()   // END never comes
        let actions = Self.simulate(&jb, arrivals: arr, pullFrom: 0, ticks: 70)
        #expect(!jb.isActive)
        #expect(actions.suffix(5).allSatisfy { $0 == .silence })
        // Concealment is bounded, then silence while waiting out the second.
        #expect(jb.statistics.concealed <= jb.configuration.maxConcealRun)
    }

    @Test func targetGrowsWithJitterAndShrinksSlowly() {
        var config = JitterBuffer.Configuration()
        config.shrinkAfterFrames = 50
        var jb = JitterBuffer(config)
        // 200 frames with up to 60 ms of jitter.
        var rng = SplitMix64(seed: 7)
        let jittery = Self.spurt(0, 200, delay: { _ in Int(rng.next() % 60_000) })
        _ = Self.simulate(&jb, arrivals: jittery, pullFrom: 0, ticks: 220)
        let grown = jb.statistics.target
        #expect(grown >= 4, "target \(grown) for 60 ms of jitter")
        #expect(jb.statistics.jitterMicros > 10_000)
        // Then a calm network: the target comes down, one frame per 50 calm frames.
        let calm = Self.spurt(200, 400).map { ($0.0, $0.1, $0.2 + 5_000_000) }
        let actions = Self.simulate(&jb, arrivals: calm, pullFrom: 5_000_000, ticks: 100)
        #expect(jb.statistics.target < grown)
        #expect(jb.statistics.target >= grown - 2)   // slowly: at most 2 steps in 100 frames
        #expect(actions.contains { if case .play = $0 { return true } else { return false } })
        _ = Self.simulate(&jb, arrivals: [], pullFrom: 7_000_000, ticks: 0)
    }

    @Test func quietNetworkPlaysAtOnceAndStaysAtOneFrame() {
        // Loopback: frames every 20 ms with 0-1 ms of scheduling noise. The first frame plays
        // on the first pull after it arrives, and the target never leaves the minimum.
        var jb = JitterBuffer()
        var rng = SplitMix64(seed: 3)
        let quiet = Self.spurt(0, 300, delay: { _ in 2_000 + Int(rng.next() % 1_000) })
        let actions = Self.simulate(&jb, arrivals: quiet, pullFrom: 5_000, ticks: 300)
        #expect(actions.first == .play(0, false))
        #expect(jb.statistics.target == 1)
        #expect(jb.statistics.underruns == 0)
    }

    @Test func startingAtOneFrameLearnsReorderingOnce() {
        // Default start at one frame: the first reordered pair costs a frame (late), the target
        // grows, and a later reordering is absorbed.
        var jb = JitterBuffer()
        var arr = Self.spurt(0, 40)
        let t4 = arr[4].2; arr[4].2 = arr[5].2; arr[5].2 = t4
        let t27 = arr[27].2; arr[27].2 = arr[28].2; arr[28].2 = t27
        let actions = Self.simulate(&jb, arrivals: arr, pullFrom: 0, ticks: 50)
        let played = actions.compactMap { if case .play(let s, _) = $0 { return s } else { return nil } }
        // Frame 4 came after 5 had taken its place: late, the one frame the lesson costs.
        #expect(jb.statistics.late == 1)
        #expect(played == Array(0..<4) + Array(5..<40), "\(played)")
        #expect(jb.statistics.target >= 2)
    }

    @Test func aHiccupsExtraFrameStaysRatherThanOscillating() {
        // One frame 15 ms late: an underrun (concealed), after which every frame waits one
        // frame longer. The extra frame stays: dropping it again would invite the next underrun.
        var config = JitterBuffer.Configuration()
        config.shrinkAfterFrames = 20
        var jb = JitterBuffer(config)
        let arr = Self.spurt(0, 300, delay: { $0 == 10 ? 17_000 : 2_000 })
        _ = Self.simulate(&jb, arrivals: arr, pullFrom: 5_000, ticks: 310)
        #expect(jb.statistics.underruns == 1)
        #expect(jb.statistics.dropped == 0)
        #expect(jb.statistics.played == 300)
    }

    @Test func wantedTargetIgnoresSubFrameNoiseButFollowsRealJitter() {
        #expect(JitterBuffer.wantedTarget(jitterMicros: 0, factor: 3, frameMicros: 20_000) == 1)
        #expect(JitterBuffer.wantedTarget(jitterMicros: 1_000, factor: 3, frameMicros: 20_000) == 1)
        #expect(JitterBuffer.wantedTarget(jitterMicros: 5_000, factor: 3, frameMicros: 20_000) == 2)
        #expect(JitterBuffer.wantedTarget(jitterMicros: 20_000, factor: 3, frameMicros: 20_000) == 4)
        #expect(JitterBuffer.wantedTarget(jitterMicros: 5_000, factor: 3, frameMicros: 10_000) == 2)
    }

    @Test func shrinkingIsSlow() {
        // 10 frames arrive at once 200 ms late: with the default patience (100 frames),
        // nearly 2 seconds of speech play before one frame is dropped.
        var jb = JitterBuffer()
        let arr = Self.spurt(0, 120).map { ($0.0, $0.1, $0.2 < 200_000 ? 200_000 : $0.2 + 5_000) }
        _ = Self.simulate(&jb, arrivals: arr, pullFrom: 200_000, ticks: 95)
        #expect(jb.statistics.dropped == 0)
        #expect(jb.statistics.played == 95)
    }

    @Test func depthShrinksWhenAboveTarget() {
        var config = JitterBuffer.Configuration()
        config.shrinkAfterFrames = 10
        var jb = JitterBuffer(config)
        // Everything arrives in a burst 200 ms after it was sent: 10 frames buffered, target 2.
        let arr = Self.spurt(0, 60).map { ($0.0, $0.1, $0.2 < 200_000 ? 200_000 : $0.2 + 5_000) }
        _ = Self.simulate(&jb, arrivals: arr, pullFrom: 200_000, ticks: 40)
        #expect(jb.statistics.dropped > 0)
    }

    /// A late frame raises the target and holds playback back one frame, but only in its own
    /// spurt: a START that restarts the stream plays its first frame, not a concealment.
    @Test func aRestartDropsTheHoldBackOfTheSpurtBefore() {
        var jb = JitterBuffer()
        jb.insert(seq: 10, flags: .start, payload: Self.payload(10), at: 0)
        #expect(Self.out(jb.next(at: 0)) == .play(10, false))
        jb.insert(seq: 12, flags: [], payload: Self.payload(12), at: 25_000)
        #expect(Self.out(jb.next(at: 40_000)) == .recover(12))
        jb.insert(seq: 11, flags: [], payload: Self.payload(11), at: 45_000) // late: the target rises
        #expect(jb.statistics.late == 1)
        jb.insert(seq: 50, flags: .start, payload: Self.payload(50), at: 50_000)
        var first: Out = .silence
        for tick in 0..<20 where first == .silence { first = Self.out(jb.next(at: 60_000 + tick * 20_000)) }
        #expect(first == .play(50, false))
        #expect(jb.statistics.concealed == 0)
    }
}

@Suite struct LossEstimatorTests {
    @Test func followsLossInStepsAndComesBack() {
        var e = LossEstimator()
        #expect(e.update(totalReceived: 500, totalLost: 0) == nil)
        #expect(e.percent == 0)
        // 10 % loss for a while: the suggestion climbs to 10.
        var received = 500, lost = 0
        var seen: [Int] = []
        for _ in 0..<12 {
            received += 450; lost += 50
            if let p = e.update(totalReceived: received, totalLost: lost) { seen.append(p) }
        }
        #expect(e.percent == 10)
        #expect(seen.first == 5)
        // Clean again: back to 0.
        for _ in 0..<20 {
            received += 500
            _ = e.update(totalReceived: received, totalLost: lost)
        }
        #expect(e.percent == 0)
        // Too few frames: no decision.
        #expect(e.update(totalReceived: received + 10, totalLost: lost + 10) == nil)
    }
}
