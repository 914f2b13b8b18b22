import Testing
@testable import PTTTerminalCore

@Suite struct HoldDetectorTests {
    static let ms: UInt64 = 1_000_000

    /// Key-repeat timings measured on real systems: initial delay, interval (ms).
    static let timings: [(name: String, delay: UInt64, interval: UInt64)] = [
        ("X", 660, 40), ("GNOME", 500, 30), ("KDE", 600, 40), ("console", 250, 33),
    ]

    /// Drives a legacy hold from `start` for `duration` ms: the press, then repeats. Every change
    /// of state is recorded with its time; the detector expires at its deadlines in between.
    static func simulateHold(
        _ d: inout HoldDetector, start: UInt64, duration: UInt64, delay: UInt64, interval: UInt64,
        jitter: (Int) -> Int64 = { _ in 0 }, until end: UInt64
    ) -> [(UInt64, HoldDetector.Event)] {
        var times: [UInt64] = [start * ms]
        var t = start + delay
        var i = 0
        while t <= start + duration {
            times.append(UInt64(Int64(t * ms) + jitter(i) * Int64(ms)))
            t += interval
            i += 1
        }
        var log: [(UInt64, HoldDetector.Event)] = []
        for at in times {
            while let dl = d.deadline, dl <= at {
                if let e = d.expire(now: dl) { log.append((dl, e)) }
            }
            if let e = d.key(.press, kitty: false, now: at) { log.append((at, e)) }
        }
        while let dl = d.deadline, dl <= end * ms {
            if let e = d.expire(now: dl) { log.append((dl, e)) }
        }
        return log
    }

    @Test(arguments: timings.map(\.name))
    func longHoldIsOnePressThenOneReleaseShortlyAfter(_ name: String) throws {
        let t = try #require(Self.timings.first { $0.name == name })
        var d = HoldDetector()
        let log = Self.simulateHold(&d, start: 1000, duration: 10_000, delay: t.delay, interval: t.interval, until: 20_000)
        #expect(log.map(\.1) == [.pressed, .released])
        #expect(log[0].0 == 1000 * Self.ms)
        // the last repeat is at most one interval before the end of the hold
        let lastRepeat = 1000 + t.delay + ((10_000 - t.delay) / t.interval) * t.interval
        let latency = (log[1].0 / Self.ms) - lastRepeat
        #expect(latency == max(UInt64(Double(t.interval) * 2.5), 90), "\(name): release \(latency) ms after the last repeat")
        #expect(d.repeatInterval == t.interval * Self.ms)
        #expect(d.method == .autorepeat)
    }

    @Test(arguments: timings.map(\.name))
    func holdSurvivesRepeatJitter(_ name: String) throws {
        let t = try #require(Self.timings.first { $0.name == name })
        var d = HoldDetector()
        // every 7th repeat is 25 ms late, others ±5 ms
        let log = Self.simulateHold(&d, start: 0, duration: 5000, delay: t.delay, interval: t.interval,
                                    jitter: { i in i % 7 == 3 ? 25 : Int64(i % 3) * 5 - 5 }, until: 8000)
        #expect(log.map(\.1) == [.pressed, .released])
    }

    @Test func holdJustLongerThanInitialDelay() {
        // X: held 690 ms, so exactly one repeat (at 660) before the release.
        var d = HoldDetector()
        let log = Self.simulateHold(&d, start: 0, duration: 690, delay: 660, interval: 40, until: 2000)
        #expect(log.map(\.1) == [.pressed, .released])
        #expect(log[1].0 == (660 + 200) * Self.ms)
    }

    @Test func tapTalksUntilTheInitialTimeout() {
        var d = HoldDetector()
        #expect(d.key(.press, kitty: false, now: 0) == .pressed)
        #expect(d.isTalking)
        #expect(d.deadline == 750 * Self.ms)
        #expect(d.expire(now: 749 * Self.ms) == nil)
        #expect(d.expire(now: 750 * Self.ms) == .released)
        #expect(!d.isTalking && d.deadline == nil)
        // two taps 900 ms apart are two talk spurts
        #expect(d.key(.press, kitty: false, now: 900 * Self.ms) == .pressed)
        #expect(d.expire(now: 1650 * Self.ms) == .released)
    }

    @Test func initialTimeoutIsAboveTheXDelay() {
        // A first timeout under 660 ms would release during every hold on X defaults.
        #expect(HoldDetector.Timing().initialTimeout > 660 * Self.ms)
    }

    @Test func coalescedRepeatsAreNotIntervalSamples() {
        var d = HoldDetector()
        _ = d.key(.press, kitty: false, now: 0)
        _ = d.key(.press, kitty: false, now: 660 * Self.ms)
        for i in 1...6 {
            let t = UInt64(660 + i * 40) * Self.ms
            _ = d.key(.press, kitty: false, now: t)
            _ = d.key(.press, kitty: false, now: t) // two bytes in one read
        }
        #expect(d.repeatInterval == 40 * Self.ms)
        #expect(d.repeatTimeout == 100 * Self.ms)
    }

    @Test func repeatTimeoutIsClamped() {
        var d = HoldDetector()
        _ = d.key(.press, kitty: false, now: 0)
        var t: UInt64 = 300
        _ = d.key(.press, kitty: false, now: t * Self.ms)
        for _ in 0..<5 { t += 400; _ = d.key(.press, kitty: false, now: t * Self.ms) }
        #expect(d.repeatTimeout == 500 * Self.ms)
    }

    @Test func kittyPressRepeatRelease() {
        var d = HoldDetector()
        #expect(d.method == .autorepeat)
        #expect(d.key(.press, kitty: true, now: 0) == .pressed)
        #expect(d.method == .kitty)
        #expect(d.deadline == nil)
        #expect(d.expire(now: 10_000 * Self.ms) == nil) // no timeouts under kitty
        #expect(d.key(.repeat, kitty: true, now: 11_000 * Self.ms) == nil)
        #expect(d.isTalking)
        #expect(d.key(.release, kitty: true, now: 12_000 * Self.ms) == .released)
        #expect(d.key(.release, kitty: true, now: 12_001 * Self.ms) == nil)
        // a repeat without a press (the press went elsewhere) still counts as down
        #expect(d.key(.repeat, kitty: true, now: 13_000 * Self.ms) == .pressed)
    }

    @Test func kittyDetectionSetsMethodBeforeAnyKey() {
        var d = HoldDetector()
        d.setKittyActive()
        #expect(d.method == .kitty)
        #expect(HoldDetector.Method.kitty.label == "kitty keys")
        #expect(HoldDetector.Method.autorepeat.label == "autorepeat timing")
    }

    @Test func toggleLatchesOnPhysicalPressesOnly() {
        var d = HoldDetector(mode: .toggle)
        // a legacy hold with repeats is one press: latches on, stays on after release
        let log = Self.simulateHold(&d, start: 0, duration: 2000, delay: 660, interval: 40, until: 3000)
        #expect(log.map(\.1) == [.pressed])
        #expect(d.isTalking)
        // a tap turns it off
        #expect(d.key(.press, kitty: false, now: 4000 * Self.ms) == .released)
        #expect(d.expire(now: 5000 * Self.ms) == nil)
        #expect(!d.isTalking)
        // kitty: press latches, release does nothing, next press unlatches
        #expect(d.key(.press, kitty: true, now: 6000 * Self.ms) == .pressed)
        #expect(d.key(.release, kitty: true, now: 6100 * Self.ms) == nil)
        #expect(d.key(.press, kitty: true, now: 7000 * Self.ms) == .released)
    }

    @Test func modeChangeAndResetEndTalking() {
        var d = HoldDetector()
        _ = d.key(.press, kitty: true, now: 0)
        #expect(d.setMode(.toggle) == .released)
        #expect(d.setMode(.toggle) == nil)
        _ = d.key(.press, kitty: true, now: 1)
        #expect(d.reset() == .released)
        #expect(d.reset() == nil)
    }
}
