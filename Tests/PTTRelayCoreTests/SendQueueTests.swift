import Testing
@testable import PTTRelayCore

@Suite struct SendQueueTests {
    let ms: UInt64 = 1_000_000
    /// A kind-1 frame of 20 ms (TOC 0xF8: CELT FB 20 ms, one frame).
    let frame20: [UInt8] = [1, 0, 0, 0, 1, 0, 1, 0, 0xF8, 0xFF]

    @Test func weighsFramesByTheirOpusDuration() {
        let q = SendQueue<Int>()
        #expect(q.weight(ofFrame: frame20) == 20_000)
        // 60 ms SILK (config 3).
        #expect(q.weight(ofFrame: [1, 0, 0, 0, 1, 0, 1, 0, 0x18]) == 60_000)
        // A reserved kind counts as 20 ms: 10 frames fill the budget.
        #expect(q.weight(ofFrame: [2, 0, 0, 0, 1, 0, 1, 0, 0x18]) == 20_000)
    }

    @Test func keepsAbout200msOfAudioDroppingTheOldest() {
        var q = SendQueue<Int>()
        for i in 0..<10 { #expect(q.enqueueAudio(i, micros: 20_000, now: 0) == .queued(dropped: 0)) }
        #expect(q.enqueueAudio(10, micros: 20_000, now: 0) == .queued(dropped: 1))
        #expect(q.droppedFrames == 1)
        #expect(q.dequeue()?.payload == 1)
    }

    @Test func neverDropsControlAndKeepsOrder() {
        var q = SendQueue<String>()
        _ = q.enqueueAudio("a0", micros: 100_000, now: 0)
        _ = q.enqueueControl("c0", bytes: 10)
        _ = q.enqueueAudio("a1", micros: 100_000, now: 0)
        _ = q.enqueueControl("c1", bytes: 10)
        // Over budget: a0 goes, the control messages stay.
        #expect(q.enqueueAudio("a2", micros: 100_000, now: 0) == .queued(dropped: 1))
        var out: [String] = []
        while let e = q.dequeue() { out.append(e.payload) }
        #expect(out == ["c0", "a1", "c1", "a2"])
        #expect(q.isEmpty && q.audioMicros == 0 && q.controlBytes == 0)
    }

    @Test func keepsTheNewestFrameEvenIfLong() {
        var q = SendQueue<Int>()
        #expect(q.enqueueAudio(0, micros: 300_000, now: 0) == .queued(dropped: 0))
        #expect(q.count == 1)
    }

    @Test func continuousDroppingFor10SecondsIsTooSlow() {
        var q = SendQueue<Int>()
        for i in 0..<10 { _ = q.enqueueAudio(i, micros: 20_000, now: 0) }
        // 50 frames per second, none read: every frame drops one.
        var t: UInt64 = 0
        var result = SendQueue<Int>.EnqueueResult.queued(dropped: 0)
        while t < 11_000 * ms {
            t += 20 * ms
            result = q.enqueueAudio(0, micros: 20_000, now: t)
            if result == .tooSlow { break }
        }
        #expect(result == .tooSlow)
        #expect(t == 10_020 * ms)
    }

    @Test func readingResetsTheDroppingRun() {
        var q = SendQueue<Int>()
        for i in 0..<11 { _ = q.enqueueAudio(i, micros: 20_000, now: 0) }
        #expect(q.droppingSince == 0)
        while q.dequeue() != nil {}
        #expect(q.droppingSince == nil)
        // A drop long after the last starts a new run too.
        var r = SendQueue<Int>()
        for i in 0..<11 { _ = r.enqueueAudio(i, micros: 20_000, now: 0) }
        _ = r.enqueueAudio(0, micros: 20_000, now: 5_000 * ms)
        #expect(r.droppingSince == 5_000 * ms)
    }

    @Test func controlOverflowIsTooSlow() {
        var limits = SendQueueLimits()
        limits.controlMessages = 3
        var q = SendQueue<Int>(limits: limits)
        for i in 0..<3 { #expect(q.enqueueControl(i, bytes: 1) == .queued(dropped: 0)) }
        #expect(q.enqueueControl(3, bytes: 1) == .tooSlow)
        var byBytes = SendQueue<Int>()
        #expect(byBytes.enqueueControl(0, bytes: (256 << 10) + 1) == .tooSlow)
    }
}
