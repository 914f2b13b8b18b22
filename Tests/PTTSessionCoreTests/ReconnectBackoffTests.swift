import PTTProtocol
import Testing
@testable import PTTSessionCore

@Suite struct ReconnectBackoffTests {
    @Test func doublesToThirtySecondsWithJitter() {
        var b = ReconnectBackoff()
        let lows = (0..<10).map { _ in b.nextDelay(.soon, random: 0)! }
        let firstLows: [UInt64] = [250 * .millisecond, 500 * .millisecond, 1 * .second, 2 * .second]
        #expect(Array(lows.prefix(4)) == firstLows)
        #expect(lows.last == 15 * .second)
        b.reset()
        #expect(b.nextDelay(.soon, random: 0.999_999)! < 500 * .millisecond + .microsecond)
        b.reset()
        #expect(b.nextDelay(.never, random: 0) == nil)
    }

    @Test func backoffAndSlowRulesStartHigher() {
        var b = ReconnectBackoff()
        #expect(b.nextDelay(.afterBackoff, random: 0) == 2 * .second)
        b.reset()
        #expect(b.nextDelay(.slowly, random: 0) == 7500 * .millisecond)
    }

    @Test func stableConnectionsReset() {
        var b = ReconnectBackoff()
        _ = b.nextDelay(.soon, random: 0)
        _ = b.nextDelay(.soon, random: 0)
        b.connectionEnded(uptime: 2 * .second)
        #expect(b.attempts == 2)
        b.connectionEnded(uptime: 10 * .second)
        #expect(b.attempts == 0)
    }
}
