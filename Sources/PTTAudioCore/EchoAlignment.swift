/// Keeps the echo canceller's far end a little ahead of its echo, from the delays the devices
/// report, so that the canceller's filter only has to span the room and not the device buffers.
///
/// The canceller pairs far-end sample k with microphone sample k + offset; both streams run at the
/// devices' rate, so how late the echo of a far-end sample comes in the microphone stream (its
/// *lead*) stays the same until a device loses or gains samples. For each frame taken:
///
///     lead = playback delay + capture delay + capture backlog − far end waiting − time since the
///            last period was mixed
///
/// all in samples: the far-end frame just taken is heard (playback delay − waiting − time since
/// mixing) from now, the microphone frame just read was heard (capture delay + backlog) ago. The
/// last two terms swing with the threads' timing (a PulseAudio device pulls 40 ms at once) and
/// cancel each other, so the mean of a window of frames is the lead (a window whose leads spread
/// too far is left alone: the devices are settling; and two windows in a row must agree). When
/// it leaves
/// `margin ± band`, the far end is padded with silence (the echo comes too late: the filter
/// would need a longer tail) or its oldest samples are dropped (the echo would come before its
/// far end, which no filter can cancel), back to `margin`. The room's own delay adds to the lead
/// the canceller sees; the filter's tail covers it.
public struct EchoAlignment: Sendable, Equatable {
    public enum Correction: Equatable, Sendable {
        case none
        /// Put this many samples of silence before the far end.
        case pad(Int)
        /// Drop this many of the oldest far-end samples.
        case drop(Int)
    }

    /// The lead aimed at, in samples.
    public let margin: Int
    /// How far the lead may wander from `margin` before it is corrected.
    public let band: Int
    /// Frames averaged for one estimate.
    public let window: Int
    /// A window whose leads spread wider than this is not acted on: the devices are still
    /// settling (a capture stream starts with a backlog that is read in a burst, and the delays
    /// reported lag behind it).
    public let maxSpread: Int
    private var sum = 0
    private var count = 0
    private var low = Int.max
    private var high = Int.min
    /// The last settled window's mean lead, until one that differs or a correction.
    private var confirmed: Int?

    /// Defaults at 48 kHz: a 15 ms lead, corrected past ±10 ms, estimated over 25 frames (0.5 s
    /// of 20 ms frames) that spread over at most 50 ms. The echo then reaches the canceller 5 to
    /// 25 ms after its far end, plus the room.
    public init(marginSamples: Int = 720, bandSamples: Int = 480, window: Int = 25, maxSpreadSamples: Int = 2400) {
        margin = marginSamples
        band = bandSamples
        self.window = max(window, 1)
        maxSpread = maxSpreadSamples
    }

    /// One frame's lead, in samples (see the type's documentation).
    public static func lead(playbackDelay: Int, captureDelay: Int, captureBacklog: Int, waiting: Int, sinceMixed: Int) -> Int {
        playbackDelay + captureDelay + captureBacklog - waiting - sinceMixed
    }

    /// Notes one frame's lead; at the end of each window, the correction that brings the mean
    /// lead back to `margin` (or `.none`).
    public mutating func note(lead: Int) -> Correction {
        sum += lead
        count += 1
        low = min(low, lead)
        high = max(high, lead)
        guard count >= window else { return .none }
        let mean = sum / count
        let settled = high - low <= maxSpread
        sum = 0
        count = 0
        low = .max
        high = .min
        // Two settled windows in a row must agree: a delay a device reports can hold a stale
        // value for a whole window (a capture stream's start).
        guard settled, let previous = confirmed, abs(mean - previous) <= band else {
            confirmed = settled ? mean : nil
            return .none
        }
        confirmed = mean
        if mean > margin + band { confirmed = nil; return .pad(mean - margin) }
        if mean < margin - band { confirmed = nil; return .drop(margin - mean) }
        return .none
    }

    /// Forgets the frames noted since the last estimate (after a correction was applied
    /// elsewhere, or the devices changed).
    public mutating func restart() {
        sum = 0
        count = 0
        low = .max
        high = .min
        confirmed = nil
    }
}
