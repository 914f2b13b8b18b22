import Testing
@testable import PTTClient

/// A broken alarm would sleep for a day: the suite fails after a minute instead.
@Suite(.timeLimit(.minutes(1))) struct AlarmTests {
    /// Starts `alarm.sleep` until `deadline` in a task and returns once it sleeps.
    static func sleeping(_ alarm: Alarm, until deadline: ContinuousClock.Instant?) async -> Task<Void, Never> {
        let sleeper = Task { await alarm.sleep { deadline } }
        while alarm.state.withLock({ $0.target == nil }) { await Task.yield() }
        return sleeper
    }

    /// How long `alarm.sleep` took with the deadline `delay` after its start.
    static func timedSleep(_ alarm: Alarm, for delay: Duration, before: () -> Void = {}) async -> Duration {
        let start = ContinuousClock.now
        await alarm.sleep {
            before()
            return start + delay
        }
        return ContinuousClock.now - start
    }

    @Test func sleepsUntilItsDeadline() async {
        #expect(await Self.timedSleep(Alarm(), for: .milliseconds(200)) >= .milliseconds(200))
    }

    @Test func anEarlierDeadlineWakesTheSleeperALaterOneDoesNot() async {
        let alarm = Alarm()
        let start = ContinuousClock.now
        let sleeper = await Self.sleeping(alarm, until: start + .milliseconds(300))
        alarm.bringForward(to: start + .seconds(60))
        await sleeper.value
        #expect(ContinuousClock.now - start >= .milliseconds(300))

        let again = ContinuousClock.now
        let long = await Self.sleeping(alarm, until: again + .seconds(60))
        alarm.bringForward(to: again + .milliseconds(10))
        await long.value
        #expect(ContinuousClock.now - again < .seconds(30))
    }

    /// A wake-up that comes while the sleeper works out its deadline is not lost.
    @Test func ringWhileWorkingOutTheDeadlineReturnsAtOnce() async {
        let alarm = Alarm()
        #expect(await Self.timedSleep(alarm, for: .seconds(60), before: { alarm.ring() }) < .seconds(30))
        // The next sleep is not cut short by that old wake-up.
        #expect(await Self.timedSleep(alarm, for: .milliseconds(100)) >= .milliseconds(100))
    }

    @Test func cancellingTheSleepingTaskWakesIt() async {
        let alarm = Alarm()
        let start = ContinuousClock.now
        let sleeper = await Self.sleeping(alarm, until: nil)
        sleeper.cancel()
        await sleeper.value
        #expect(ContinuousClock.now - start < .seconds(30))
    }
}
