/// Keeps an audio thread at real-time pace when its device does not block (ALSA's `file`
/// and `null` plugins): given how many samples went through and the monotonic time, says
/// how long to sleep. A blocking device never gets ahead by more than `slack`, so the
/// pacer then never sleeps. Falling far behind (a stall) restarts the reference instead of
/// catching up in a burst.
public struct Pacer: Sendable {
    public let sampleRate: Int
    /// How far ahead of real time the stream may run (a device buffer's worth), in samples.
    public var slackSamples: Int
    /// How far behind real time counts as a stall, in samples.
    public var stallSamples: Int
    private var originNanos: Int64?
    private var samples: Int64 = 0
    /// How often the reference was restarted after a stall.
    public private(set) var stalls = 0

    public init(sampleRate: Int = 48_000, slackSamples: Int = 0, stallSamples: Int = 48_000 / 4) {
        self.sampleRate = sampleRate
        self.slackSamples = slackSamples
        self.stallSamples = stallSamples
    }

    /// Starts counting from `now` (monotonic nanoseconds).
    public mutating func reset(at now: UInt64) {
        originNanos = Int64(clamping: now)
        samples = 0
    }

    /// Records `count` more samples done at monotonic time `now`; returns the nanoseconds
    /// to sleep before the next block (0 when not ahead of real time).
    public mutating func advance(by count: Int, at nowNanos: UInt64) -> UInt64 {
        let now = Int64(clamping: nowNanos)
        guard let origin = originNanos else {
            reset(at: nowNanos)
            samples = Int64(count)
            return sleepNeeded(origin: now, now: now)
        }
        samples += Int64(count)
        let elapsedSamples = (now - origin) * Int64(sampleRate) / 1_000_000_000
        if elapsedSamples - samples > Int64(stallSamples) {
            stalls += 1
            reset(at: nowNanos)
            return 0
        }
        return sleepNeeded(origin: origin, now: now)
    }

    private func sleepNeeded(origin: Int64, now: Int64) -> UInt64 {
        let ahead = samples - Int64(slackSamples)
        let due = origin + ahead * 1_000_000_000 / Int64(sampleRate)
        return UInt64(max(0, due - now))
    }
}
