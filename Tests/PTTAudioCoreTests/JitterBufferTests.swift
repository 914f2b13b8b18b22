import Testing
@testable import PTTProtocol
@testable import PTTAudioCore

/// The jitter buffer's packet handling on an injected clock (nanoseconds): order, loss, FEC,
/// duplicates, late frames, spurts. How fast it plays is the `PlayoutController`'s, tested there.
@Suite struct JitterBufferTests {
    static let ms: UInt64 = 1_000_000

    /// A 20 ms SILK Opus packet (TOC config 1) whose first frame says whether it carries FEC for
    /// the frame before it (the LBRR flag), then the frame's seq, so played payloads can be identified.
    static func payload(_ seq: UInt16, fec: Bool = true) -> [UInt8] { [0x08, fec ? 0xC0 : 0x80, UInt8(seq >> 8), UInt8(seq & 0xFF)] }
    static func seqOf(_ p: [UInt8]) -> UInt16 { UInt16(p[2]) << 8 | UInt16(p[3]) }

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

    /// Delivers frames (seq, flags, arrival) and pulls one action every 20 ms from `pullFrom`
    /// for `ticks` ticks. Returns the actions.
    static func simulate(_ jb: inout JitterBuffer, arrivals: [(UInt16, AudioFrame.Flags, UInt64)], pullFrom: UInt64, ticks: Int,
                         fec: Bool = true) -> [Out] {
        var pending = arrivals.sorted { $0.2 < $1.2 }
        var result: [Out] = []
        for t in 0..<ticks {
            let now = pullFrom + UInt64(t) * 20 * ms
            while let f = pending.first, f.2 <= now {
                jb.insert(seq: f.0, flags: f.1, payload: payload(f.0, fec: fec), at: f.2)
                pending.removeFirst()
            }
            result.append(out(jb.next(at: now)))
        }
        return result
    }

    /// A spurt of `n` frames from `first`, sent every 20 ms from t=0, arriving after `delay(i)`.
    static func spurt(_ first: UInt16, _ n: Int, delay: (Int) -> UInt64 = { _ in 5 * ms }) -> [(UInt16, AudioFrame.Flags, UInt64)] {
        (0..<n).map { i in
            var f: AudioFrame.Flags = []
            if i == 0 { f.insert(.start) }
            if i == n - 1 { f.insert(.end) }
            return (first &+ UInt16(i), f, UInt64(i) * 20 * ms + delay(i))
        }
    }

    static func playedSeqs(_ actions: [Out]) -> [UInt16] {
        actions.compactMap { if case .play(let s, _) = $0 { return s } else { return nil } }
    }

    @Test func playsInOrderOnceTheFirstFrameWaitedTheTarget() {
        var jb = JitterBuffer()
        #expect(jb.targetNanos == 20_000_000)   // nothing measured yet: one frame
        let actions = Self.simulate(&jb, arrivals: Self.spurt(100, 10), pullFrom: 0, ticks: 16)
        #expect(Self.playedSeqs(actions) == Array(100..<110))
        #expect(actions.contains(.play(109, true)))
        // The first frame arrives at 5 ms: at 20 ms it has waited 15, at 40 ms enough.
        #expect(actions.prefix(3) == [.silence, .silence, .play(100, false)])
        #expect(!jb.isActive)
        #expect(jb.statistics.lost == 0 && jb.statistics.concealed == 0 && jb.statistics.underruns == 0)
    }

    @Test func reordersFrames() {
        var jb = JitterBuffer()
        var arr = Self.spurt(0, 10)
        // Swap arrival times of 4 and 5, and of 7 and 8.
        let t4 = arr[4].2; arr[4].2 = arr[5].2; arr[5].2 = t4
        let t7 = arr[7].2; arr[7].2 = arr[8].2; arr[8].2 = t7
        let actions = Self.simulate(&jb, arrivals: arr, pullFrom: 0, ticks: 20)
        #expect(Self.playedSeqs(actions) == Array(0..<10))
        #expect(jb.statistics.lost == 0)
    }

    @Test func aLostFrameIsRebuiltFromTheNextPacketOnlyWhenItCarriesFEC() {
        for fec in [true, false] {
            var jb = JitterBuffer()
            let arr = Self.spurt(0, 10).filter { $0.0 != 4 }
            let actions = Self.simulate(&jb, arrivals: arr, pullFrom: 0, ticks: 16, fec: fec)
            let i = actions.firstIndex(of: .play(3, false))
            #expect(i != nil)
            if let i {
                #expect(actions[i + 1] == (fec ? .recover(5) : .conceal))
                #expect(actions[i + 2] == .play(5, false))
            }
            #expect(jb.statistics.lost == 1)
            #expect(jb.statistics.recovered == (fec ? 1 : 0) && jb.statistics.concealed == (fec ? 0 : 1))
        }
    }

    @Test func burstLossIsConcealedThenRecovered() {
        var jb = JitterBuffer()
        let arr = Self.spurt(0, 12).filter { !(3...5).contains($0.0) }
        let actions = Self.simulate(&jb, arrivals: arr, pullFrom: 0, ticks: 20)
        let i = actions.firstIndex(of: .play(2, false))
        #expect(i != nil)
        if let i {
            // 3 and 4: nothing after them yet -> held back while nothing is buffered, then once
            // 6 is in, the gap is a loss: 5 is rebuilt from 6's FEC.
            #expect(actions[(i + 1)...].contains(.underrun))
            #expect(actions[(i + 1)...].contains(.recover(6)))
            #expect(actions[(i + 1)...].contains(.play(6, false)))
        }
        #expect(Self.playedSeqs(actions) == [0, 1, 2] + Array(6..<12))
        #expect(jb.statistics.lost == 3)
        #expect(jb.statistics.underruns == 1)
    }

    @Test func seqWrapsAround() {
        var jb = JitterBuffer()
        let actions = Self.simulate(&jb, arrivals: Self.spurt(65530, 12), pullFrom: 0, ticks: 18)
        #expect(Self.playedSeqs(actions) == (0..<12).map { 65530 &+ UInt16($0) })
        #expect(jb.statistics.lost == 0)
    }

    @Test func duplicatesAreDropped() {
        var jb = JitterBuffer()
        var arr = Self.spurt(0, 10)
        arr.append((3, [], 3 * 20 * Self.ms + 6 * Self.ms))     // while still buffered
        arr.append((1, [], 8 * 20 * Self.ms))                   // long after it was played
        let actions = Self.simulate(&jb, arrivals: arr, pullFrom: 0, ticks: 16)
        #expect(Self.playedSeqs(actions) == Array(0..<10))
        #expect(jb.statistics.duplicates == 2)
        #expect(jb.statistics.late == 0)
    }

    @Test func lateFramesAreDroppedAndTheirLatenessCounts() {
        var jb = JitterBuffer()
        // Frame 4 arrives 100 ms late, after 5 and 6 made its slot a loss.
        let arr = Self.spurt(0, 12, delay: { $0 == 4 ? 105 * Self.ms : 5 * Self.ms })
        let actions = Self.simulate(&jb, arrivals: arr, pullFrom: 0, ticks: 20)
        #expect(actions.contains(.recover(5)))
        #expect(jb.statistics.late == 1)
        // The 100 ms it came late are in the arrival statistics the target is made from.
        #expect(jb.statistics.playout.quantileNanos >= 90 * 1_000_000)
    }

    @Test func startResetsAndEndEnds() {
        var jb = JitterBuffer()
        var arr = Self.spurt(0, 5)
        arr.removeLast()  // END lost
        arr += Self.spurt(5, 5).map { ($0.0, $0.1, $0.2 + 200 * Self.ms) }
        let actions = Self.simulate(&jb, arrivals: arr, pullFrom: 0, ticks: 30)
        #expect(Self.playedSeqs(actions) == [0, 1, 2, 3, 5, 6, 7, 8, 9])
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
        let bridged = actions.filter { $0 == .underrun }.count
        #expect(bridged >= 1 && bridged <= jb.configuration.maxConcealRun)
    }

    /// A START that restarts the stream plays its first frame, not anything of the spurt before.
    @Test func aRestartBeginsAfreshSpurt() {
        var jb = JitterBuffer()
        jb.insert(seq: 10, flags: .start, payload: Self.payload(10), at: 0)
        #expect(Self.out(jb.next(at: 20 * Self.ms)) == .play(10, false))
        jb.insert(seq: 12, flags: [], payload: Self.payload(12), at: 25 * Self.ms)
        #expect(Self.out(jb.next(at: 40 * Self.ms)) == .recover(12))
        jb.insert(seq: 11, flags: [], payload: Self.payload(11), at: 45 * Self.ms) // late
        #expect(jb.statistics.late == 1)
        jb.insert(seq: 50, flags: .start, payload: Self.payload(50), at: 50 * Self.ms)
        var first: Out = .silence
        for tick in 0..<20 where first == .silence { first = Self.out(jb.next(at: 60 * Self.ms + UInt64(tick) * 20 * Self.ms)) }
        #expect(first == .play(50, false))
        #expect(jb.statistics.spurts == 2 && jb.statistics.concealed == 0)
    }

    /// The playout hooks reach the controller: a render's level, concealment and stretching
    /// show in the statistics.
    @Test func playoutReportsReachTheController() {
        var jb = JitterBuffer()
        jb.insert(seq: 0, flags: .start, payload: Self.payload(0), at: 0)
        jb.insert(seq: 1, flags: [], payload: Self.payload(1), at: 20 * Self.ms)
        #expect(Self.out(jb.next(at: 20 * Self.ms)) == .play(0, false))
        jb.willRender(decodedSamples: 960, frames: 480, at: 25 * Self.ms)
        // D = level (960 decoded + frame 1 buffered: 40 ms) + 5 ms since the newest arrival
        // + its lateness (0: the fastest so far) − one frame (20 ms) = 25 ms.
        #expect(jb.statistics.playout.delayNanos == 25_000_000)
        jb.concealed(samples: 240)
        jb.accelerated(removing: 480)
        jb.slowedDown(adding: 120)
        let p = jb.statistics.playout
        #expect(p.concealedSamples == 240 && p.acceleratedSamples == 480 && p.expandedSamples == 120)
        #expect(p.targetNanos > 0)
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
