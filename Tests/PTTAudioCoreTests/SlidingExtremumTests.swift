import Testing
@testable import PTTAudioCore
import PTTProtocol

@Suite struct SlidingExtremumTests {
    @Test func minimumOverTheWindow() {
        var low = SlidingExtremum(.minimum, windowNanos: 100, capacity: 16)
        #expect(low.value == nil)
        low.push(5, at: 0)
        low.push(3, at: 10)
        low.push(7, at: 20)
        #expect(low.value == 3)
        // 3 leaves at 110 (the window is (now − 100, now]); 7 is the lowest left.
        low.push(9, at: 110)
        #expect(low.value == 7)
        low.expire(at: 120)
        #expect(low.value == 9)
        low.expire(at: 210)
        #expect(low.value == nil)
    }

    @Test func maximumOverTheWindow() {
        var high = SlidingExtremum(.maximum, windowNanos: 50, capacity: 16)
        for (t, v) in [(0, 1), (10, 4), (20, 2), (30, 3)] { high.push(v, at: t) }
        #expect(high.value == 4)
        high.push(0, at: 60)
        #expect(high.value == 3)
    }

    @Test func matchesABruteForceWindow() {
        var random = SplitMix64(seed: 2)
        var low = SlidingExtremum(.minimum, windowNanos: 1_000, capacity: 256)
        var high = SlidingExtremum(.maximum, windowNanos: 1_000, capacity: 256)
        var log: [(Int, Int)] = []
        var t = 0
        for _ in 0..<2_000 {
            t += Int(random.next() % 50)
            let v = Int(random.next() % 1_000) - 500
            low.push(v, at: t)
            high.push(v, at: t)
            log.append((t, v))
            let inWindow = log.filter { $0.0 > t - 1_000 }.map(\.1)
            #expect(low.value == inWindow.min())
            #expect(high.value == inWindow.max())
        }
    }

    @Test func aFullQueueShortensTheWindowRatherThanFailing() {
        var low = SlidingExtremum(.minimum, windowNanos: 1_000_000, capacity: 4)
        for v in 0..<10 { low.push(v, at: v) }
        // Rising values all stay candidates: only the newest four fit.
        #expect(low.value == 6)
        // Time going backwards counts as now.
        low.push(-1, at: 3)
        #expect(low.value == -1)
    }
}
