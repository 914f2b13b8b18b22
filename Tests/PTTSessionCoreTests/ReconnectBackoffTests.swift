import Testing
@testable import PTTSessionCore

@Suite struct ReconnectBackoffTests {
    @Test func doublesToThirtySecondsWithJitter() {
        var b = ReconnectBackoff()
        let lows = (0..<10).map { _ in b.nextDelay(.soon, random: 0)! }
        #expect(lows.prefix(4) == [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2)])
        #expect(lows.last == .seconds(15))
        b.reset()
        #expect(b.nextDelay(.soon, random: 0.999_999)! < .milliseconds(500) + .microseconds(1))
        b.reset()
        #expect(b.nextDelay(.never, random: 0) == nil)
    }

    @Test func backoffAndSlowRulesStartHigher() {
        var b = ReconnectBackoff()
        #expect(b.nextDelay(.afterBackoff, random: 0) == .seconds(2))
        b.reset()
        #expect(b.nextDelay(.slowly, random: 0) == .milliseconds(7500))
    }

    @Test func stableConnectionsReset() {
        var b = ReconnectBackoff()
        _ = b.nextDelay(.soon, random: 0)
        _ = b.nextDelay(.soon, random: 0)
        b.connectionEnded(uptime: .seconds(2))
        #expect(b.attempts == 2)
        b.connectionEnded(uptime: .seconds(10))
        #expect(b.attempts == 0)
    }
}
