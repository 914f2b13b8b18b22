/// Gives back, a period at a time and only in quiet moments, the playout delay that
/// underruns added to one speaker's spurt.
///
/// Each underrun moves playout back by the period it concealed; once frames arrive steadily
/// again that delay would stay until the spurt ends. The receiver reports every period it
/// plays: how much audio it had beyond that period (`lead`: decoded samples plus buffered
/// frames) and how loud the period is. When the lead stayed at least two periods for a
/// whole window, the next quiet period is skipped: playout moves forward by one period, still
/// a period ahead of the latest arrivals seen, and the window starts again (at most one
/// period per window). A lead under two periods starts the window over. Trimming down to no
/// margin at all would make the next small delay an underrun again: conceal, skip, conceal, ...
/// Pure; time comes from the caller (microseconds on any monotonic clock).
public struct PlayoutTrim: Sendable {
    public struct Configuration: Equatable, Sendable {
        /// How long the lead must stay at two periods or more before one period is given back.
        public var windowMicros = 1_000_000
        /// A period quieter than this (RMS, fraction of full scale: -50 dBFS, a pause rather
        /// than a soft sound) may be skipped.
        public var quietRMS = 0.003

        public init() {}
    }

    public let configuration: Configuration
    /// Since when the lead has stayed at least two periods (nil: it has not).
    private var steadySince: Int?

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// One period about to be played. True: skip it (play the one after it instead).
    /// `canSkip`: the caller holds the period after it already (decoded). `rms` is only
    /// measured when a skip is due.
    public mutating func period(lead: Int, periodSamples: Int, rms: @autoclosure () -> Double, canSkip: Bool = true, at now: Int) -> Bool {
        guard lead >= 2 * periodSamples else {
            steadySince = nil
            return false
        }
        guard let since = steadySince else {
            steadySince = now
            return false
        }
        guard now - since >= configuration.windowMicros, canSkip, rms() < configuration.quietRMS else { return false }
        steadySince = now
        return true
    }

    /// A new spurt: its delay is new.
    public mutating func reset() {
        steadySince = nil
    }
}
