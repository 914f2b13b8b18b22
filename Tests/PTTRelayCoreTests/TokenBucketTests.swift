import Testing
@testable import PTTRelayCore

@Suite struct TokenBucketTests {
    let second: UInt64 = 1_000_000_000

    @Test func allowsTheBurstThenTheRate() {
        var b = TokenBucket(rate: 20, burst: 40, now: 0)
        for i in 0..<40 { #expect(b.take(now: 0) == true, "token \(i)") }
        #expect(b.take(now: 0) == false)
        // One token every 50 ms.
        #expect(b.take(now: 49_000_000) == false)
        #expect(b.take(now: 50_000_000) == true)
        #expect(b.take(now: 50_000_000) == false)
    }

    @Test func sustainsExactlyTheRate() {
        var b = TokenBucket(rate: 100, burst: 200, now: 0)
        // 100 per second for 10 seconds, evenly spaced: never refused.
        for i in 0..<1000 { #expect(b.take(now: UInt64(i) * 10_000_000) == true) }
    }

    @Test func refillsToTheBurstAtMost() {
        var b = TokenBucket(rate: 10, burst: 5, now: 0)
        for _ in 0..<5 { _ = b.take(now: 0) }
        // An hour idle gives back only the burst.
        let later = 3600 * second
        for _ in 0..<5 { #expect(b.take(now: later) == true) }
        #expect(b.take(now: later) == false)
    }
}
