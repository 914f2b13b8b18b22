import Testing
@testable import PTTAudioCore

/// Giving back delay that underruns added, on an injected clock (5 ms periods of 240 samples).
@Suite struct PlayoutTrimTests {
    /// Feeds `periods` periods with a lead and a loudness per period index; returns the indices skipped.
    static func run(_ trim: inout PlayoutTrim, periods: Int, lead: (Int) -> Int, rms: (Int) -> Double) -> [Int] {
        (0..<periods).filter { i in trim.period(lead: lead(i), periodSamples: 240, rms: rms(i), at: i * 5_000) }
    }

    @Test func givesBackOneQuietPeriodPerWindowWhileTheLeadLasts() {
        var trim = PlayoutTrim()
        // A steady lead of 2.5 periods for 3 s, quiet every 50th period.
        let skipped = Self.run(&trim, periods: 600, lead: { _ in 600 }, rms: { $0 % 50 == 0 ? 0.001 : 0.2 })
        // The first window ends at 1 s (period 200): the next quiet period is 200, then 400.
        #expect(skipped == [200, 400])
    }

    @Test func waitsForAQuietPeriod() {
        var trim = PlayoutTrim()
        let skipped = Self.run(&trim, periods: 400, lead: { _ in 480 }, rms: { $0 == 333 ? 0 : 0.3 })
        #expect(skipped == [333])
    }

    @Test func aLeadUnderTwoPeriodsNeverTrims() {
        var trim = PlayoutTrim()
        // The lead dips below two periods once every 150 periods: no window is ever clean.
        let dips = Self.run(&trim, periods: 1_000, lead: { $0 % 150 == 0 ? 470 : 900 }, rms: { _ in 0 })
        #expect(dips.isEmpty)
        // One period of lead is the margin kept: never given back.
        var steady = PlayoutTrim()
        #expect(Self.run(&steady, periods: 1_000, lead: { _ in 300 }, rms: { _ in 0 }).isEmpty)
    }

    @Test func aDipCancelsAPendingTrim() {
        var trim = PlayoutTrim()
        // Clean first window, loud until period 250, the lead dips at 240: nothing is skipped
        // until a new clean window (from period 241) has passed: period 441.
        let skipped = Self.run(&trim, periods: 500, lead: { $0 == 240 ? 0 : 480 }, rms: { $0 < 250 ? 0.3 : 0 })
        #expect(skipped == [441])
    }

    @Test func skipsOnlyWhatTheCallerCanSkip() {
        var trim = PlayoutTrim()
        let skipped = (0..<300).filter { i in
            trim.period(lead: 480, periodSamples: 240, rms: 0, canSkip: i >= 250, at: i * 5_000)
        }
        #expect(skipped == [250])
    }

    @Test func resetStartsANewWindow() {
        var trim = PlayoutTrim()
        _ = Self.run(&trim, periods: 190, lead: { _ in 480 }, rms: { _ in 0 })
        trim.reset()
        let decisions = [1_000_000, 1_500_000, 2_000_000].map { trim.period(lead: 480, periodSamples: 240, rms: 0, at: $0) }
        #expect(decisions == [false, false, true])
    }
}
