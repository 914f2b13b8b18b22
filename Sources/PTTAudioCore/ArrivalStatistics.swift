/// How late one speaker's packets arrive compared with the fastest of them: the delay a
/// playout must absorb, as a high quantile of recent packets.
///
/// Packet `i` of a spurt (counted from the spurt's first frame, frames of `F > 0` ns) should have
/// arrived at `i·F` plus a constant; `v = arrival − i·F` carries that constant plus the
/// network's delay, and `d = v − min(v)` over the last `baselineWindowNanos` of the spurt is
/// its delay relative to the fastest recent packet. A window rather than the spurt's minimum
/// so that clock drift between sender and receiver (±200 ppm: 0.4 ms over 2 s) never
/// accumulates into `d`. The baseline starts again with each spurt (the sender's clock and the
/// route may have changed); the delays learned do not: the history of the last
/// `historyCount` delays carries over, so a new spurt starts with the delay the last one
/// needed.
///
/// Stalls are kept out. When TCP retransmits, nothing arrives for 250–400 ms and then the
/// backlog comes at once: those packets are very late, but the playout should conceal the
/// gap and catch up afterwards, not hold hundreds of milliseconds of delay for the rest of the
/// call. A packet whose `d` exceeds `max(minimumOutlierNanos, outlierFactor × quantile)` is
/// an outlier and left out of the history, unless more than `commonOutlierShare` of the packets
/// of the last `outlierWindowNanos` were outliers too: then the network really got slower and
/// they are taken in. The share is of a full window's packets at least (a window just started,
/// as at the start of a call, is not evidence). A single stall of 400 ms makes 8 % of 5 s of
/// packets outliers; a network whose delay grew past the threshold is taken in after about a
/// second and a quarter of it.
///
/// The quantile comes from a histogram of 1 ms bins kept beside the history (added to and
/// removed from as delays come and go): no sort and no allocation, and the quantile is found by a
/// scan from the bottom that stops at its bin (tens of bins for tens of milliseconds of delay,
/// at worst the 2,000 bins of a 2 s delay); 1 ms of resolution, below the margin the playout
/// adds anyway. Delays above the last bin count in the last bin.
///
/// Duplicates and packets more than 63 frames behind the newest are ignored; reordered
/// packets count (their lateness is real) but never replace the newest. Time is passed in
/// (`UInt64` nanoseconds on the monotonic clock) and taken as `Int` nanoseconds inside
/// (`Int(truncatingIfNeeded:)`, exact for 292 years of uptime): `v` and the windows' starts are
/// signed arithmetic. Durations are `Int` nanoseconds.
public struct ArrivalStatistics: Sendable {
    public struct Configuration: Equatable, Sendable {
        /// Delays kept for the quantile: 250 frames, 5 s of 20 ms frames.
        public var historyCount = 250
        /// The quantile of `d` reported (0...1).
        public var quantile = 0.95
        /// Window of the baseline `min(v)`.
        public var baselineWindowNanos = 2_000_000_000
        /// An outlier exceeds the quantile times this...
        public var outlierFactor = 2
        /// ...and this.
        public var minimumOutlierNanos = 100_000_000
        /// Window over which the share of outliers is counted.
        public var outlierWindowNanos = 5_000_000_000
        /// Share of outliers above which they count as the network's new normal.
        public var commonOutlierShare = 0.2
        /// Histogram bins of 1 ms: delays up to this many ms are told apart.
        public var histogramBins = 2_000

        public init() {}
    }

    /// What became of one packet.
    public enum Outcome: Equatable, Sendable {
        /// Its delay was taken into the history.
        case counted
        /// Its delay was left out: a stall's backlog.
        case outlier
        /// Already seen: ignored.
        case duplicate
        /// Too far behind the newest packet to place: ignored.
        case stale
    }

    public let configuration: Configuration

    /// Arrival time of the newest packet of the spurt (highest index), nil before the first.
    public private(set) var lastArrival: UInt64?
    /// Relative delay `d` of the newest packet, in ns.
    public private(set) var lastRelativeDelay = 0
    /// Frame duration of the newest packet, in ns.
    public private(set) var lastFrameNanos = 0
    /// The configured quantile of the delays in the history, in ns (upper edge of its 1 ms bin;
    /// 0 while the history is empty).
    public private(set) var quantileNanos = 0
    /// Packets counted, left out as outliers, ignored as duplicates or stale, since `init`.
    public private(set) var counted = 0
    public private(set) var outliers = 0
    public private(set) var duplicates = 0
    public private(set) var stale = 0

    // Baseline of the spurt.
    private var baseline: SlidingExtremum
    private var newestIndex: Int?
    private var spurtFrameNanos = 0
    /// Bit k set: index `newestIndex − k` has arrived.
    private var seen: UInt64 = 0

    // History of delays, as bin numbers, and its histogram.
    private var history: [UInt16]
    private var historyHead = 0
    private var historyCount = 0
    private var histogram: [Int32]

    // Recent packets and whether each was an outlier (a ring of times, outliers marked).
    private var recentTimes: [Int]
    private var recentOutlier: [Bool]
    private var recentHead = 0
    private var recentCount = 0
    private var recentOutliers = 0

    public init(_ configuration: Configuration = Configuration()) {
        precondition(configuration.historyCount > 0 && configuration.histogramBins > 0 && configuration.histogramBins <= Int(UInt16.max))
        self.configuration = configuration
        // Enough for 2.5 ms frames over the windows, with bursts.
        baseline = SlidingExtremum(.minimum, windowNanos: configuration.baselineWindowNanos, capacity: 1_024)
        history = Array(repeating: 0, count: configuration.historyCount)
        histogram = Array(repeating: 0, count: configuration.histogramBins)
        // 5 s of 2.5 ms frames.
        recentTimes = Array(repeating: 0, count: 2_048)
        recentOutlier = Array(repeating: false, count: 2_048)
    }

    /// Delays in the history.
    public var historyDepth: Int { historyCount }

    /// Delay above which a packet is an outlier now, in ns.
    public var outlierThresholdNanos: Int {
        max(configuration.minimumOutlierNanos, configuration.outlierFactor * quantileNanos)
    }

    /// A new spurt: its baseline is new (the history stays).
    public mutating func beginSpurt() {
        baseline.reset()
        newestIndex = nil
        lastArrival = nil
        lastRelativeDelay = 0
        seen = 0
    }

    /// Records packet `index` of the current spurt (frames of `frameNanos`), arrived at `now`.
    @discardableResult
    public mutating func arrived(index: Int, frameNanos: Int, at now: UInt64) -> Outcome {
        let time = Int(truncatingIfNeeded: now)
        if frameNanos != spurtFrameNanos {
            // Another frame length makes `index · F` another clock: start the baseline over.
            if spurtFrameNanos != 0 { beginSpurt() }
            spurtFrameNanos = frameNanos
        }
        var newest = false
        if let top = newestIndex {
            let behind = top - index
            if behind >= 64 {
                stale += 1
                return .stale
            }
            if behind >= 0 {
                if seen >> UInt64(behind) & 1 == 1 {
                    duplicates += 1
                    return .duplicate
                }
                seen |= 1 << UInt64(behind)
            } else {
                seen = -behind >= 64 ? 1 : seen << UInt64(-behind) | 1
                newestIndex = index
                newest = true
            }
        } else {
            newestIndex = index
            seen = 1
            newest = true
        }

        let v = time - index * frameNanos
        baseline.push(v, at: time)
        let d = v - (baseline.value ?? v)
        if newest {
            lastArrival = now
            lastRelativeDelay = d
            lastFrameNanos = frameNanos
        }

        let outlier = d > outlierThresholdNanos
        noteRecent(outlier: outlier, at: time)
        let windowPackets = configuration.outlierWindowNanos / max(frameNanos, 1)
        let common = recentOutliers * 1_000 > Int(configuration.commonOutlierShare * 1_000) * max(recentCount, windowPackets)
        if outlier && !common {
            outliers += 1
            return .outlier
        }
        record(d)
        counted += 1
        return .counted
    }

    private mutating func noteRecent(outlier: Bool, at now: Int) {
        let oldest = now - configuration.outlierWindowNanos
        while recentCount > 0, recentTimes[recentHead] <= oldest || recentCount == recentTimes.count {
            if recentOutlier[recentHead] { recentOutliers -= 1 }
            recentHead = (recentHead + 1) % recentTimes.count
            recentCount -= 1
        }
        let slot = (recentHead + recentCount) % recentTimes.count
        recentTimes[slot] = now
        recentOutlier[slot] = outlier
        recentCount += 1
        if outlier { recentOutliers += 1 }
    }

    private mutating func record(_ delay: Int) {
        let bin = min(max(delay, 0) / 1_000_000, histogram.count - 1)
        if historyCount == history.count {
            histogram[Int(history[historyHead])] -= 1
            historyHead = (historyHead + 1) % history.count
            historyCount -= 1
        }
        history[(historyHead + historyCount) % history.count] = UInt16(bin)
        historyCount += 1
        histogram[bin] += 1
        // Smallest bin at or below which the quantile's share of the history lies.
        let needed = max(1, Int((configuration.quantile * Double(historyCount)).rounded(.up)))
        var cumulative = 0
        for b in 0..<histogram.count {
            cumulative += Int(histogram[b])
            if cumulative >= needed {
                quantileNanos = (b + 1) * 1_000_000
                return
            }
        }
    }
}
