import PTTProtocol
import PTTSystem
import Testing
@testable import PTTClient

/// A broken alarm would sleep for a day: the suite fails after a minute instead.
@Suite(.timeLimit(.minutes(1))) struct AlarmTests {
    /// Starts `alarm.sleep` until `deadline` in a task and returns once it sleeps.
    static func sleeping(_ alarm: Alarm, until deadline: UInt64?) async -> Task<Void, Never> {
        let sleeper = Task { await alarm.sleep { deadline } }
        while alarm.state.withLock({ $0.target == nil }) { await Task.yield() }
        return sleeper
    }

    /// How long `alarm.sleep` took with the deadline `delay` after its start.
    static func timedSleep(_ alarm: Alarm, for delay: UInt64, before: () -> Void = {}) async -> UInt64 {
        let start = MonotonicClock.now()
        await alarm.sleep {
            before()
            return start + delay
        }
        return MonotonicClock.now() - start
    }

    @Test func sleepsUntilItsDeadline() async {
        #expect(await Self.timedSleep(Alarm(), for: 200 * .millisecond) >= 200 * .millisecond)
    }

    @Test func anEarlierDeadlineWakesTheSleeperALaterOneDoesNot() async {
        let alarm = Alarm()
        let start = MonotonicClock.now()
        let sleeper = await Self.sleeping(alarm, until: start + 300 * .millisecond)
        alarm.bringForward(to: start + 60 * .second)
        await sleeper.value
        #expect(MonotonicClock.now() - start >= 300 * .millisecond)

        let again = MonotonicClock.now()
        let long = await Self.sleeping(alarm, until: again + 60 * .second)
        alarm.bringForward(to: again + 10 * .millisecond)
        await long.value
        #expect(MonotonicClock.now() - again < 30 * .second)
    }

    /// A wake-up that comes while the sleeper works out its deadline is not lost.
    @Test func ringWhileWorkingOutTheDeadlineReturnsAtOnce() async {
        let alarm = Alarm()
        #expect(await Self.timedSleep(alarm, for: 60 * .second, before: { alarm.ring() }) < 30 * .second)
        // The next sleep is not cut short by that old wake-up.
        #expect(await Self.timedSleep(alarm, for: 100 * .millisecond) >= 100 * .millisecond)
    }

    @Test func cancellingTheSleepingTaskWakesIt() async {
        let alarm = Alarm()
        let start = MonotonicClock.now()
        let sleeper = await Self.sleeping(alarm, until: nil)
        sleeper.cancel()
        await sleeper.value
        #expect(MonotonicClock.now() - start < 30 * .second)
    }
}
