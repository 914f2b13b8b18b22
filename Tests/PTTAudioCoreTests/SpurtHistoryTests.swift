import Testing
@testable import PTTProtocol
@testable import PTTAudioCore

@Suite struct SpurtHistoryTests {
    static let ms: UInt64 = 1_000_000
    /// A 20 ms Opus packet (TOC config 9: SILK WB 20 ms) carrying `tag`.
    static func packet(_ tag: UInt8) -> [UInt8] { [0x48, tag] }

    @Test func spurtsBeginAtStartEndAtEndOrSilenceAndAreBounded() throws {
        var h = SpurtHistory()
        h.record(speaker: 7, payload: Self.packet(1), flags: .start, at: 0)
        h.record(speaker: 7, payload: Self.packet(2), flags: [], at: 20 * Self.ms)
        h.record(speaker: 9, payload: Self.packet(3), flags: .start, at: 25 * Self.ms)   // another speaker at once
        h.record(speaker: 7, payload: Self.packet(4), flags: .end, at: 40 * Self.ms)
        #expect(h.spurts.count == 2)
        let alice = try #require(h.spurt(back: 2))
        #expect(alice.speaker == 7 && alice.packets.map { $0[1] } == [1, 2, 4] && alice.ended)
        #expect(alice.durationNanos == 60_000_000)
        // 1 s without a frame: what comes next is a new spurt even without START.
        h.record(speaker: 9, payload: Self.packet(5), flags: [], at: 2_000 * Self.ms)
        #expect(h.spurts.count == 3 && h.spurt(back: 1)?.packets.count == 1 && h.spurt(back: 2)?.ended == true)
        #expect(h.spurt(back: 0) == nil && h.spurt(back: 4) == nil)
        // At most ten spurts, the oldest goes; at most 3000 frames each, the beginning kept.
        for i in 0..<12 { h.record(speaker: 1, payload: Self.packet(UInt8(i)), flags: [.start, .end], at: UInt64(3_000 + i) * Self.ms) }
        #expect(h.spurts.count == SpurtHistory.capacity && h.spurt(back: 1)?.packets[0][1] == 11)
        h.record(speaker: 2, payload: Self.packet(0), flags: .start, at: 4_000 * Self.ms)
        for i in 1...3_100 { h.record(speaker: 2, payload: Self.packet(UInt8(i % 256)), flags: [], at: (4_000 + UInt64(i)) * Self.ms) }
        #expect(h.spurt(back: 1)?.packets.count == SpurtHistory.maximumFrames)
    }

    @Test func speededUpIsShorterAndOneTimesIsTheSame() {
        // A voiced, steady tone at 200 Hz: periods are found everywhere.
        let tone = (0..<48_000).map { Int16(8000 * AudioMath.sin(2 * AudioMath.pi * 200 * Double($0) / 48_000)) }
        var s = TimeStretcher()
        #expect(s.speededUp(tone, by: 1) == tone)
        let fast = s.speededUp(tone, by: 1.5)
        let ratio = Double(tone.count) / Double(fast.count)
        #expect(ratio > 1.3 && ratio <= 1.55, "played \(ratio)x faster: \(fast.count) of \(tone.count)")
        // Asking for more than 1.5× gives 1.5×.
        #expect(s.speededUp(tone, by: 4).count >= Int(Double(tone.count) / 1.55))
    }
}
