import Testing
@testable import PTTAudioCore

/// The device's burst, from simulated pull patterns (48 kHz, 10 ms periods of 480 frames).
@Suite struct PullPatternTests {
    /// A device pulling `periods` periods back to back (100 µs apart) every `periods` × 10 ms,
    /// its clock `ppm` fast, from `start` for `seconds`; `observe` sees the pattern after each pull.
    static func run(_ pattern: inout PullPattern, periods: Int, ppm: Double = 0, start: Int = 0, seconds: Double,
                    observe: (Int, PullPattern) -> Void = { _, _ in }) {
        let cycle = Double(periods * 10 * ms) / (1 + ppm / 1_000_000)
        var k = 0
        while Double(k) * cycle < seconds * Double(1_000 * ms) {
            let t = start + Int((Double(k) * cycle).rounded())
            for p in 0..<periods {
                pattern.pulled(frames: 480, at: UInt64(t + p * 100 * us))
                observe(t + p * 100 * us, pattern)
            }
            k += 1
        }
    }

    @Test func aSteadyDeviceHasNoBurst() {
        var pattern = PullPattern()
        Self.run(&pattern, periods: 1, seconds: 5)
        #expect(pattern.burstNanos == 0)
        #expect(pattern.periodNanos == 10 * ms)
        #expect(pattern.lastFrames == 480)
    }

    @Test func aPulseAudioLikeDeviceHasItsBurst() {
        // Four periods back to back every 40 ms: 30 ms beyond a steady pull (less the 300 µs
        // the four pulls take).
        var pattern = PullPattern()
        Self.run(&pattern, periods: 4, seconds: 5)
        #expect(pattern.burstNanos == 29_700 * us)
    }

    @Test func driftDoesNotAccumulateIntoTheBurst() {
        for ppm in [200.0, -200.0] {
            var pattern = PullPattern()
            var worst = 0
            // Ten minutes; the lead walks 120 ms, the burst stays under 1 ms.
            Self.run(&pattern, periods: 1, ppm: ppm, seconds: 600) { _, p in worst = max(worst, p.burstNanos) }
            #expect(worst < 1 * ms, "ppm \(ppm)")
            #expect(abs(pattern.leadNanos) > 100 * ms, "ppm \(ppm)")
        }
    }

    @Test func aChangedPatternIsForgottenAfterTheWindow() {
        var pattern = PullPattern()
        Self.run(&pattern, periods: 4, seconds: 3)
        #expect(pattern.burstNanos > 29 * ms)
        // The pulls continue steadily from where the bursts left off.
        Self.run(&pattern, periods: 1, start: 3_000 * ms, seconds: 1)
        #expect(pattern.burstNanos > 29 * ms)
        Self.run(&pattern, periods: 1, start: 4_000 * ms, seconds: 2)
        #expect(pattern.burstNanos <= 300 * us)
    }

    @Test func aLongPauseStartsOver() {
        var pattern = PullPattern()
        Self.run(&pattern, periods: 1, seconds: 2)
        // Nothing rendered for 3 s: without a restart the lead would jump by 3 s.
        Self.run(&pattern, periods: 1, start: 5_000 * ms, seconds: 1)
        #expect(pattern.burstNanos == 0)
        #expect(pattern.leadNanos == 10 * ms)
    }
}
