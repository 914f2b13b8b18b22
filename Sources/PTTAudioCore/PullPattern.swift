/// How bursty the playback device's pulls are: how far, at most, it runs ahead of a steady
/// pull of the same average rate (48 kHz frames).
///
/// Each render reports the time and the frames it pulled. The lead is the audio pulled so
/// far minus the time elapsed, both in ns since the first pull; its range (highest minus
/// lowest) over the last `windowNanos` is the burst. A device that pulls a period every
/// period has a constant lead: burst about 0 (scheduling jitter only). A PulseAudio stream
/// through ALSA's pulse plugin pulls several periods back to back and then pauses: four 10 ms
/// periods every 40 ms give a burst of 30 ms, the depth a burst takes out of the buffer beyond
/// what a steady device would. A window rather than all time, because the device's clock
/// drifts from the monotonic clock (±200 ppm makes the lead walk 12 ms in a minute) and the
/// pattern changes when the sound server does.
///
/// A pause longer than `restartAfterNanos` (the device stopped, or nothing was rendered)
/// starts the measurement over. Time is passed in (`UInt64` nanoseconds on the monotonic
/// clock), taken as `Int` nanoseconds inside (`Int(truncatingIfNeeded:)`, exact for 292 years
/// of uptime) so that a time going backwards is a negative gap rather than a trap.
public struct PullPattern: Sendable {
    public struct Configuration: Equatable, Sendable {
        /// Window of the lead's range.
        public var windowNanos = 2_000_000_000
        /// A gap between pulls this long starts over (longer than any sound server's pause).
        public var restartAfterNanos = 500_000_000

        public init() {}
    }

    public let configuration: Configuration
    private var origin = 0
    private var lastPull: Int?
    /// Frames pulled since `origin`.
    private var pulledFrames = 0
    private var lowest: SlidingExtremum
    private var highest: SlidingExtremum

    /// Lead after the last pull, in ns.
    public private(set) var leadNanos = 0
    /// Frames of the last pull.
    public private(set) var lastFrames = 0

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
        // 2.5 ms periods over 2 s, with room for bursts.
        lowest = SlidingExtremum(.minimum, windowNanos: configuration.windowNanos, capacity: 1_024)
        highest = SlidingExtremum(.maximum, windowNanos: configuration.windowNanos, capacity: 1_024)
    }

    /// The device's burst over the window, in ns.
    public var burstNanos: Int {
        guard let high = highest.value, let low = lowest.value else { return 0 }
        return high - low
    }

    /// Duration of the last pull, in ns.
    public var periodNanos: Int { SampleTime.nanos(lastFrames) }

    /// One render: `frames` pulled at `now`.
    public mutating func pulled(frames: Int, at now: UInt64) {
        let time = Int(truncatingIfNeeded: now)
        if let last = lastPull, time - last <= configuration.restartAfterNanos {
            pulledFrames += frames
        } else {
            reset()
            origin = time
            pulledFrames = frames
        }
        lastPull = time
        lastFrames = frames
        // Frames to ns without accumulating rounding: 48 frames a millisecond.
        leadNanos = SampleTime.nanos(pulledFrames) - (time - origin)
        lowest.push(leadNanos, at: time)
        highest.push(leadNanos, at: time)
    }

    /// Forgets the pattern (a new device, or a restarted stream).
    public mutating func reset() {
        lastPull = nil
        pulledFrames = 0
        leadNanos = 0
        lowest.reset()
        highest.reset()
    }
}
