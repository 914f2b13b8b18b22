/// Suggests the expected-loss setting for our encoder's in-band FEC from the loss we see
/// on incoming streams (a proxy: the protocol has no receiver reports, and the path to the
/// relay is usually lossy both ways or neither). FEC costs quality on a clean network and
/// buys much more on a lossy one, so the setting follows the network, smoothed, in steps.
///
/// Feed it the received/lost counters of all jitter buffers every few seconds.
public struct LossEstimator: Sendable {
    /// Smoothing per update (0...1): higher follows faster.
    public var smoothing: Double = 0.3
    /// Largest expected loss suggested.
    public var maxPercent: Int = 20
    /// Updates with fewer frames than this are ignored (too little to measure).
    public var minFrames: Int = 50

    private var average: Double = 0
    private var lastReceived = 0
    private var lastLost = 0
    /// The current suggestion, in percent, a multiple of 5.
    public private(set) var percent = 0

    public init() {}

    /// Takes running totals (frames received and lost so far, over all speakers); returns
    /// the new suggestion when it changed.
    public mutating func update(totalReceived: Int, totalLost: Int) -> Int? {
        let received = totalReceived - lastReceived
        let lost = totalLost - lastLost
        guard received >= 0, lost >= 0 else {
            // Counters restarted (speakers removed): start over from here.
            lastReceived = totalReceived
            lastLost = totalLost
            return nil
        }
        guard received + lost >= minFrames else { return nil }
        lastReceived = totalReceived
        lastLost = totalLost
        let rate = Double(lost) / Double(received + lost) * 100
        average += (rate - average) * smoothing
        // Steps of 5 %, rounded up from 1 % so that light loss already buys some FEC.
        let stepped = average < 1 ? 0 : min(maxPercent, Int((average / 5).rounded(.up)) * 5)
        guard stepped != percent else { return nil }
        percent = stepped
        return stepped
    }
}
