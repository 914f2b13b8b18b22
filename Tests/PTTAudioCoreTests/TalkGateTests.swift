import Testing
@testable import PTTProtocol
@testable import PTTAudioCore

/// The talk gate, driven frame by frame: the capture stream is its clock.
@Suite struct TalkGateTests {
    /// A 20 ms frame (960 samples) tagged with its index so the output order can be read back.
    static func frame(_ i: Int, loud: Bool = false) -> [Int16] {
        var f = [Int16](repeating: 0, count: 960)
        f[0] = Int16(i)
        if loud { for k in 1..<960 { f[k] = k % 2 == 0 ? 8000 : -8000 } }
        return f
    }

    /// Feeds frames 0..<count; `want(i)` says whether the key is down at frame i. Returns
    /// (frame index sent, flags) in send order.
    static func run(_ gate: inout TalkGate, count: Int, from start: Int = 0,
                    loud: (Int) -> Bool = { _ in false }, key: ((Int) -> Bool)? = nil) -> [(Int, AudioFrame.Flags, UInt16)] {
        var out: [(Int, AudioFrame.Flags, UInt16)] = []
        var held = false
        for i in start..<(start + count) {
            if let key {
                let k = key(i)
                if k && !held { gate.keyDown() } else if !k && held { gate.keyUp() }
                held = k
            }
            let step = gate.process(frame(i, loud: loud(i)))
            if let o = step.output { out.append((Int(o.samples[0]), o.flags, o.seq)) }
        }
        return out
    }

    @Test func holdSendsWhileHeldPlusTail() {
        var gate = TalkGate(.init(mode: .hold, tailMillis: 100))
        #expect(gate.configuration.preRollMillis == 0)
        let out = Self.run(&gate, count: 20, key: { (3..<8).contains($0) })
        // Key down at 3, up at 8: frames 3...7 held, tail of 5 frames counts the release frame: 8...12.
        #expect(out.map(\.0) == Array(3...12))
        #expect(out.first?.1 == .start)
        #expect(out.last?.1 == .end)
        #expect(out.dropFirst().dropLast().allSatisfy { $0.1.isEmpty })
        #expect(out.map(\.2) == (0..<10).map { UInt16($0) })
        #expect(!gate.isTransmitting)
    }

    @Test func aMutedMicrophoneSendsNothingInAnyMode() {
        // Open mode sends from the first frame; muting ends the spurt at once (no tail) and
        // nothing goes out until unmuted, when open mode sends again.
        var open = TalkGate(.init(mode: .open, tailMillis: 100))
        var out = Self.run(&open, count: 3)
        #expect(out.map(\.0) == [0, 1, 2] && out.first?.1 == .start)
        open.setMuted(true)
        out = Self.run(&open, count: 10, from: 3)
        #expect(out.map(\.0) == [3] && out.last?.1 == .end)
        #expect(!open.isTransmitting && open.muted)
        open.setMuted(false)
        #expect(Self.run(&open, count: 2, from: 13).first?.1 == .start)
        // Vox: loud speech while muted opens nothing.
        var vox = TalkGate(.init(mode: .vox))
        vox.setMuted(true)
        #expect(Self.run(&vox, count: 20, loud: { _ in true }).isEmpty)
        // Toggle: a latched spurt is released by the mute and does not resume on unmute.
        var toggle = TalkGate(.init(mode: .toggle, tailMillis: 0))
        toggle.keyDown()
        #expect(Self.run(&toggle, count: 2).count == 2)
        toggle.setMuted(true)
        toggle.setMuted(false)
        let after = Self.run(&toggle, count: 5, from: 2)
        #expect(after.map(\.0) == [2] && after.last?.1 == .end)
        // Hold: a press while muted sends nothing.
        var hold = TalkGate(.init(mode: .hold))
        hold.setMuted(true)
        #expect(Self.run(&hold, count: 5, key: { _ in true }).isEmpty)
    }

    @Test func zeroTailEndsOnTheReleaseFrame() {
        var gate = TalkGate(.init(mode: .hold, tailMillis: 0))
        let out = Self.run(&gate, count: 10, key: { (2..<4).contains($0) })
        #expect(out.map(\.0) == [2, 3, 4])
        #expect(out.map(\.1) == [.start, [], .end])
    }

    @Test func defaultTailIsAbout150ms() {
        var gate = TalkGate(.init(mode: .hold))
        let out = Self.run(&gate, count: 30, key: { $0 == 0 })
        // One held frame, then 8 tail frames (160 ms) from the release.
        #expect(out.count == 1 + 8)
    }

    @Test func tapShorterThanAFrameStillSends() {
        var gate = TalkGate(.init(mode: .hold, tailMillis: 0))
        gate.keyDown(); gate.keyUp()
        let a = gate.process(Self.frame(0))
        let b = gate.process(Self.frame(1))
        #expect(a.started && b.ended)
    }

    @Test func seqContinuesAcrossSpurtsAndWraps() {
        var gate = TalkGate(.init(mode: .hold, tailMillis: 0), firstSeq: 65534)
        let out = Self.run(&gate, count: 12, key: { (0..<2).contains($0) || (6..<8).contains($0) })
        #expect(out.map(\.2) == [65534, 65535, 0, 1, 2, 3])
        #expect(out.map(\.1) == [.start, [], .end, .start, [], .end])
    }

    @Test func toggleStartsAndStopsOnPresses() {
        var gate = TalkGate(.init(mode: .toggle, tailMillis: 0))
        var sent: [Int] = []
        for i in 0..<12 {
            if i == 2 || i == 7 { gate.keyDown(); gate.keyUp() }   // quick presses
            if let o = gate.process(Self.frame(i)).output { sent.append(Int(o.samples[0])) }
        }
        #expect(sent == [2, 3, 4, 5, 6, 7])
    }

    @Test func openAlwaysSends() {
        var gate = TalkGate(.init(mode: .open))
        let out = Self.run(&gate, count: 50)
        #expect(out.count == 50)
        #expect(out.first?.1 == .start)
        #expect(out.dropFirst().allSatisfy { $0.1.isEmpty })
    }

    @Test func voxOpensOnVoiceWithPreRollAndHangover() {
        let config = TalkGate.Configuration(mode: .vox, tailMillis: 40, voxWindowMillis: 20, voxHangoverMillis: 60)
        #expect(config.preRollMillis == 60)
        var gate = TalkGate(config)
        let out = Self.run(&gate, count: 40, loud: { (10..<20).contains($0) })
        // Pre-roll: 3 frames before the first loud one; same order, one frame out per frame in.
        #expect(out.first?.0 == 7)
        #expect(out.first?.1 == .start)
        #expect(out.map(\.0) == Array(7..<(7 + out.count)))
        // Loud 10...19, hangover 3 frames (20...22), tail 2 frames (23, 24): last captured is 24.
        #expect(out.last?.0 == 24)
        #expect(out.last?.1 == .end)
        // The pre-roll delays the spurt: frame 10 leaves at step 13.
    }

    @Test func preRollDelaysTheSpurtByItsLength() {
        var gate = TalkGate(.init(mode: .vox, preRollMillis: 60, voxWindowMillis: 20))
        var sentAt: [Int: Int] = [:]
        for i in 0..<30 {
            if let o = gate.process(Self.frame(i, loud: (10..<15).contains(i))).output { sentAt[Int(o.samples[0])] = i }
        }
        #expect(sentAt[10] == 13)   // 3 frames = 60 ms later than captured
        #expect(sentAt[7] == 10)
    }

    @Test func voxStaysClosedOnQuietInput() {
        var gate = TalkGate(.init(mode: .vox))
        #expect(Self.run(&gate, count: 50).isEmpty)
        #expect(gate.voxLevelDBFS < -80)
    }

    @Test func backlogIsDroppedWhenASpurtStarts() {
        var gate = TalkGate(.init(mode: .hold, tailMillis: 0))
        _ = gate.process(Self.frame(0))
        gate.keyDown()
        let stale = gate.process(Self.frame(1), backlog: 5)
        #expect(stale.dropBacklog)
        #expect(stale.output == nil)
        let fresh = gate.process(Self.frame(7), backlog: 0)
        #expect(fresh.started)
        #expect(fresh.output?.samples[0] == 7)
        // Backlog during a spurt is not dropped (that audio is part of it).
        #expect(!gate.process(Self.frame(8), backlog: 3).dropBacklog)
    }

    @Test func denyEndsAtOnceUntilPressedAgain() {
        var gate = TalkGate(.init(mode: .hold))
        gate.keyDown()
        #expect(gate.process(Self.frame(0)).started)
        gate.deny()
        #expect(gate.process(Self.frame(1)).ended)
        #expect(gate.process(Self.frame(2)).output == nil)   // key still held, suppressed
        gate.keyUp(); gate.keyDown()
        #expect(gate.process(Self.frame(3)).started)
    }

    @Test func tailIsClamped() {
        #expect(TalkGate.Configuration(mode: .hold, tailMillis: 5000).tailMillis == 2000)
        #expect(TalkGate.Configuration(mode: .hold, tailMillis: -3).tailMillis == 0)
    }
}
