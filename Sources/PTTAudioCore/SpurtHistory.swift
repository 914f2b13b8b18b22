import PTTProtocol

/// The last spurts heard, kept as they arrived (Opus packets, not PCM) so that a listener can
/// hear one again: at most `capacity` spurts of at most `maximumFrames` frames each (the oldest
/// spurt goes first; a longer spurt keeps its beginning), so memory stays bounded whatever
/// the room sends (10 × 3000 frames of at most 1500 bytes: 45 MB at the very worst, about
/// 2.4 MB for ten minutes-long spurts at 32 kbit/s).
///
/// A spurt begins with a frame flagged START from a speaker, or with a speaker's first frame,
/// or after 1 s without one (PROTOCOL.md §2); END closes it. Frames are kept in arrival order;
/// duplicates and reordering matter little for hearing it again. Deterministic: time is passed in.
public struct SpurtHistory: Sendable {
    public struct Spurt: Equatable, Sendable {
        public var speaker: UInt32
        /// When its first frame arrived (monotonic ns) and its last one.
        public var started: UInt64
        public var lastFrame: UInt64
        public var packets: [[UInt8]]
        public var ended: Bool

        /// Its duration in seconds with one decimal, as shown and in JSON (`3.2`).
        public var durationText: String {
            let tenths = durationNanos / 100_000_000
            return "\(tenths / 10).\(tenths % 10)"
        }

        /// What it lasts when played, from the packets' own durations, in ns.
        public var durationNanos: Int {
            packets.reduce(0) { $0 + SampleTime.nanos(OpusPacket.samples($1) ?? 960) }
        }
    }

    public static let capacity = 10
    public static let maximumFrames = 3000
    static let silenceNanos: UInt64 = 1_000_000_000

    /// Oldest first.
    public private(set) var spurts: [Spurt] = []

    public init() {}

    /// An Opus frame from `speaker` arrived at `now`.
    public mutating func record(speaker: UInt32, payload: [UInt8], flags: AudioFrame.Flags, at now: UInt64) {
        let open = spurts.lastIndex { $0.speaker == speaker && !$0.ended }
        if let i = open, !flags.contains(.start), elapsed(from: spurts[i].lastFrame, to: now) < Self.silenceNanos {
            if spurts[i].packets.count < Self.maximumFrames { spurts[i].packets.append(payload) }
            spurts[i].lastFrame = now
            if flags.contains(.end) { spurts[i].ended = true }
            return
        }
        if let i = open { spurts[i].ended = true }
        spurts.append(Spurt(speaker: speaker, started: now, lastFrame: now, packets: [payload], ended: flags.contains(.end)))
        if spurts.count > Self.capacity { spurts.removeFirst(spurts.count - Self.capacity) }
    }

    /// The spurt `back` places from the newest (1: the last one), if there is one.
    public func spurt(back: Int) -> Spurt? {
        guard back >= 1, back <= spurts.count else { return nil }
        return spurts[spurts.count - back]
    }
}

extension TimeStretcher {
    /// `samples` played about `speed` times faster (at most 1.5: speech stays intelligible),
    /// pitch kept: pitch periods are taken out where the audio is voiced or quiet, up to the
    /// share the speed asks for, 20 ms at a time (periods up to 10 ms: voices above 100 Hz). For
    /// replaying; not for the live path.
    public mutating func speededUp(_ samples: [Int16], by speed: Double) -> [Int16] {
        let speed = min(1.5, max(1, speed))
        guard speed > 1 else { return samples }
        var output: [Int16] = []
        output.reserveCapacity(Int(Double(samples.count) / speed) + 2 * configuration.maximumLag)
        let window = 960
        var position = 0
        var owed = 0.0
        while position < samples.count {
            let end = min(samples.count, position + window)
            owed += Double(end - position) * (1 - 1 / speed)
            let removed = accelerate(samples[position..<end], limit: max(0, Int(owed)), into: &output)
            owed -= Double(removed)
            position = end
        }
        return output
    }
}
