/// Steers one speaker's playout delay toward what its network needs, in the manner of WebRTC
/// NetEq's delay manager and its accelerate / preemptive-expand decisions.
///
/// The quantity controlled is the playout delay, measured before every render:
///
///     D = level + (now − lastArrival) + d_last − F
///
/// `level`: the audio this speaker has ahead of the playout point (decoded samples not yet
/// played plus the buffered packets' duration through to the newest, gaps included), in ns;
/// `lastArrival`, `d_last`, `F`: the newest packet's arrival time, relative delay and frame
/// duration (`ArrivalStatistics`). D is how much later the audio plays than the fastest recent
/// packet would allow, less one frame. Arrivals, early or late, change `level` and the other
/// terms by the same amount, so D stays constant in steady state; it drops by a burst when the
/// device pulls one, grows by whatever an underrun conceals, and moves by what the stretcher
/// removes or adds. It is the quantity to steer because the next packet, `d` late, is in time
/// for a pull of `P` ns whenever D (before that pull) is at least `d + P`, whatever the phase
/// of the pulls against the arrivals.
///
/// Hence the target T = quantile of `d` + `marginNanos` + P, and what is held at T is the
/// lowest D over `delayWindowNanos`, a window spanning the device's burst cycle: D measured
/// before the last pull of a burst is the deepest point. The burst is not added to T: the
/// window's minimum already sits at that deepest point, and adding it would count it twice
/// (30 ms of needless delay on PulseAudio); `PullPattern` measures it for the statistics. The
/// window's values are kept relative to what concealment, stretching and drops have moved D
/// by since, so a correction shows at once rather than a window later.
///
/// The target rises at once (a larger quantile; an underrun that was not a stall raises it by
/// what it concealed) and falls slowly (toward a lower wanted value with a time constant of
/// `targetDecayNanos`). An underrun concealing more than the arrival outlier threshold (100
/// ms, or twice the quantile) is a stall: counted, and the target stays; the backlog is played
/// off instead.
///
/// Decisions, once per frame of decoded audio about to be played, with hysteresis so the
/// playout does not hunt: accelerate from `accelerateStartNanos` of excess over the target
/// until within `accelerateStopNanos`; slow down from `slowDownStartNanos` under it (the
/// margin is gone) until back at it. The rate is a budget (see `TimeStretcher`): full speed
/// (`maximumSpeed`) from `fullSpeedExcessNanos` of excess, proportionally less below (an
/// excess of 10 ms removes a period every eight frames or so), so a stall's 400 ms go in
/// under 2 s while a few milliseconds go unnoticed. Slowing down only repeats audio already
/// decoded: it adds and cannot starve the device. While accelerating more than
/// `pauseDropAboveNanos` over the target, a quiet frame (a pause between words) is dropped whole
/// instead (`dropAtPause`): a pause a frame shorter is not heard, where speech played faster is,
/// so a backlog goes first from the pauses and speech is stretched only for the rest. Speech is
/// not dropped here; a backlog over 1 s is cut by the jitter buffer (`JitterBuffer.insert`).
///
/// Use, per speaker: `beginSpurt()` when a spurt starts, and play it once its first packet
/// has waited `targetNanos` (D then starts at the target); `packetArrived` for every packet;
/// while the spurt plays, `willRender` before each render, `decide` for each frame decoded
/// then, the stretcher or drop it asks for and the matching report (`accelerated`,
/// `slowedDown`, `dropped`), and `concealed` for what a render had to make up. Calls must not
/// overlap (the receiver's lock).
///
/// Deterministic: time is passed in and nothing is read. Instants are `UInt64` nanoseconds on
/// the monotonic clock (taken as `Int` nanoseconds inside, `Int(truncatingIfNeeded:)`, exact for
/// 292 years of uptime, where they are differenced); durations are `Int` nanoseconds.
public struct PlayoutController: Sendable {
    public struct Configuration: Equatable, Sendable {
        public var arrivals = ArrivalStatistics.Configuration()
        public var pulls = PullPattern.Configuration()
        /// Added to the arrival quantile and the pull's length to make the target.
        public var marginNanos = 5_000_000
        /// Target before anything was measured (the first spurt's start): one frame.
        public var initialTargetNanos = 20_000_000
        public var maximumTargetNanos = 1_000_000_000
        /// Time constant with which the target falls to a lower wanted value.
        public var targetDecayNanos = 3_000_000_000
        /// Window of the lowest delay: longer than the device's burst cycle (tens of ms).
        public var delayWindowNanos = 250_000_000
        /// Accelerating starts this far over the target and stops this close to it.
        public var accelerateStartNanos = 8_000_000
        public var accelerateStopNanos = 2_000_000
        /// Slowing down starts this far under the target (the margin is gone) and stops this close to it.
        public var slowDownStartNanos = 5_000_000
        public var slowDownStopNanos = 0
        /// Excess over the target from which the full speed applies.
        public var fullSpeedExcessNanos = 50_000_000
        /// Deficit under the target from which the full slow-down applies.
        public var fullSlowDownDeficitNanos = 20_000_000
        /// Fastest and slowest average playback rate (over any second, the carried-over
        /// allowance adds up to `allowanceLimit`: 1.27× and 0.88× at most).
        public var maximumSpeed = 1.25
        public var minimumSpeed = 0.9
        /// Unused allowance carried over, in samples: the longest period (15 ms) and 5 ms more.
        public var allowanceLimit = 960
        /// Smallest change worth asking for, in samples: the stretcher's shortest period.
        public var minimumStretch = 120
        /// Excess over the target from which, while accelerating, quiet frames are dropped
        /// whole (and not before the excess is over a frame more than `accelerateStopNanos`):
        /// beyond a jitter's few milliseconds, a backlog (a stall's) is played off from pauses first.
        public var pauseDropAboveNanos = 30_000_000

        public init() {}
    }

    public enum Decision: Equatable, Sendable {
        case normal
        /// Remove up to `maxSamples` from the start of the audio about to be played
        /// (`TimeStretcher.accelerate(limit:)`); report with `accelerated(removing:)`.
        case accelerate(maxSamples: Int)
        /// Add up to `maxSamples` there (`TimeStretcher.expand(limit:)`); report with `slowedDown(adding:)`.
        case slowDown(maxSamples: Int)
        /// Drop this frame if it is quiet (a backlog over `pauseDropAboveNanos`) and report with
        /// `dropped(samples:)`; if it is not, accelerate it as `.accelerate(maxSamples:)` would.
        case dropAtPause(orAccelerate: Int)
    }

    public struct Statistics: Equatable, Sendable {
        public var targetNanos = 0
        /// D at the last render.
        public var delayNanos = 0
        /// Lowest D over the window (what is held at the target).
        public var lowestDelayNanos = 0
        public var quantileNanos = 0
        public var burstNanos = 0
        public var acceleratedSamples = 0
        public var expandedSamples = 0
        public var droppedSamples = 0
        /// Samples played in place of audio that had not arrived.
        public var concealedSamples = 0
        /// Runs of concealment (each counts once), stalls among them.
        public var underruns = 0
        public var stalls = 0

        public init() {}
    }

    private enum Mode: Sendable {
        case steady
        case accelerating
        case slowingDown
    }

    public let configuration: Configuration
    public private(set) var arrivals: ArrivalStatistics
    public private(set) var pulls: PullPattern

    private var target: Double
    private var lastTargetUpdate: UInt64?
    /// D − `offset` at each render over the window.
    private var lowest: SlidingExtremum
    /// What concealment, stretching and drops moved D by since the spurt began, in ns.
    private var offset = 0
    private var delay = 0
    private var mode = Mode.steady
    /// Samples that may be removed (accelerating) or added (slowing down) now.
    private var allowance = 0.0
    private var inUnderrun = false
    private var underrunNanos = 0
    private var totals = Statistics()

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
        arrivals = ArrivalStatistics(configuration.arrivals)
        pulls = PullPattern(configuration.pulls)
        target = Double(configuration.initialTargetNanos)
        // 2.5 ms periods over the window, with bursts.
        lowest = SlidingExtremum(.minimum, windowNanos: configuration.delayWindowNanos, capacity: 512)
    }

    /// The delay to hold, in ns; also how long to buffer before a spurt starts playing.
    public var targetNanos: Int { Int(target) }

    /// Lowest D over the window, in ns (nil until a render of this spurt).
    public var lowestDelayNanos: Int? { lowest.value.map { $0 + offset } }

    public var statistics: Statistics {
        var s = totals
        s.targetNanos = targetNanos
        s.delayNanos = delay
        s.lowestDelayNanos = lowestDelayNanos ?? 0
        s.quantileNanos = arrivals.quantileNanos
        s.burstNanos = pulls.burstNanos
        return s
    }

    /// A new spurt: delays are measured afresh (what was learned stays).
    public mutating func beginSpurt() {
        arrivals.beginSpurt()
        lowest.reset()
        offset = 0
        delay = 0
        mode = .steady
        allowance = 0
        inUnderrun = false
    }

    /// Packet `index` of the spurt (counted from its first frame, `frameNanos` long) arrived at `now`.
    public mutating func packetArrived(index: Int, frameNanos: Int, at now: UInt64) {
        let outcome = arrivals.arrived(index: index, frameNanos: frameNanos, at: now)
        if inUnderrun && (outcome == .counted || outcome == .outlier) {
            // What the underrun waited for. Unless it was a stall, the target was too low by
            // what it concealed.
            inUnderrun = false
            if underrunNanos > arrivals.outlierThresholdNanos {
                totals.stalls += 1
            } else {
                target = min(target + Double(underrunNanos), Double(configuration.maximumTargetNanos))
            }
        }
        updateTarget(at: now)
    }

    /// A render of this speaker's spurt, before it pulls `frames`: `levelNanos` is the audio
    /// ahead of the playout point (decoded and buffered, through to the newest packet).
    public mutating func willRender(levelNanos: Int, frames: Int, at now: UInt64) {
        pulls.pulled(frames: frames, at: now)
        if let last = arrivals.lastArrival {
            // Signed: the newest packet may carry a later time than the render.
            let sinceArrival = Int(truncatingIfNeeded: now) - Int(truncatingIfNeeded: last)
            delay = levelNanos + sinceArrival + arrivals.lastRelativeDelay - arrivals.lastFrameNanos
            lowest.push(delay - offset, at: Int(truncatingIfNeeded: now))
        }
        updateTarget(at: now)
    }

    /// `samples` were played in place of audio that had not arrived yet (concealment or
    /// silence of an underrun; not a lost frame's concealment, which takes that frame's place).
    public mutating func concealed(samples: Int) {
        guard samples > 0 else { return }
        let nanos = SampleTime.nanos(samples)
        offset += nanos
        totals.concealedSamples += samples
        if !inUnderrun {
            inUnderrun = true
            underrunNanos = 0
            totals.underruns += 1
        }
        underrunNanos += nanos
    }

    /// What to do with the next frame of decoded audio (`frameSamples` long) about to be
    /// played. `isQuiet` is asked only when a drop is due.
    public mutating func decide(frameSamples: Int, at now: UInt64, isQuiet: @autoclosure () -> Bool) -> Decision {
        updateTarget(at: now)
        guard let low = lowestDelayNanos else { return .normal }
        let c = configuration
        let excess = low - targetNanos
        switch mode {
        case .steady:
            if excess > c.accelerateStartNanos {
                mode = .accelerating
            } else if excess < -c.slowDownStartNanos {
                mode = .slowingDown
            }
        case .accelerating:
            if excess <= c.accelerateStopNanos { settle() }
        case .slowingDown:
            if excess >= -c.slowDownStopNanos { settle() }
        }
        switch mode {
        case .steady:
            return .normal
        case .accelerating:
            let share = (1 - 1 / c.maximumSpeed) * min(1, Double(excess) / Double(c.fullSpeedExcessNanos))
            allowance = min(allowance + share * Double(frameSamples), Double(c.allowanceLimit))
            let allowed = min(Int(allowance), SampleTime.samples(excess))
            let pauseDrop = excess > max(c.pauseDropAboveNanos, SampleTime.nanos(frameSamples) + c.accelerateStopNanos)
            if pauseDrop && isQuiet() { return .dropAtPause(orAccelerate: allowed >= c.minimumStretch ? allowed : 0) }
            return allowed >= c.minimumStretch ? .accelerate(maxSamples: allowed) : .normal
        case .slowingDown:
            let share = (1 / c.minimumSpeed - 1) * min(1, Double(-excess) / Double(c.fullSlowDownDeficitNanos))
            allowance = min(allowance + share * Double(frameSamples), Double(c.allowanceLimit))
            // Up to the target and half the way to accelerating: a whole period may overshoot.
            let allowed = min(Int(allowance), SampleTime.samples(-excess + c.accelerateStartNanos / 2))
            return allowed >= c.minimumStretch ? .slowDown(maxSamples: allowed) : .normal
        }
    }

    /// The stretcher removed `samples` after `.accelerate`.
    public mutating func accelerated(removing samples: Int) {
        guard samples > 0 else { return }
        allowance = max(0, allowance - Double(samples))
        offset -= SampleTime.nanos(samples)
        totals.acceleratedSamples += samples
    }

    /// The stretcher added `samples` after `.slowDown`.
    public mutating func slowedDown(adding samples: Int) {
        guard samples > 0 else { return }
        allowance = max(0, allowance - Double(samples))
        offset += SampleTime.nanos(samples)
        totals.expandedSamples += samples
    }

    /// A frame of `samples` was dropped after `.dropAtPause`.
    public mutating func dropped(samples: Int) {
        guard samples > 0 else { return }
        offset -= SampleTime.nanos(samples)
        totals.droppedSamples += samples
    }

    private mutating func settle() {
        mode = .steady
        allowance = 0
    }

    /// Raises the target to the wanted value at once, or lets it fall toward it.
    private mutating func updateTarget(at now: UInt64) {
        let c = configuration
        let wanted = Double(min(arrivals.quantileNanos + c.marginNanos + pulls.periodNanos, c.maximumTargetNanos))
        if wanted >= target {
            target = wanted
        } else if let last = lastTargetUpdate, now > last {
            target -= (target - wanted) * min(1, Double(now - last) / Double(c.targetDecayNanos))
        }
        lastTargetUpdate = max(now, lastTargetUpdate ?? now)
    }
}
