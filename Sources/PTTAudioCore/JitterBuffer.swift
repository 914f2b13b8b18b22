import PTTProtocol

/// Reorders and paces one remote speaker's frames for playback (one buffer per speaker).
///
/// The network side calls `insert` as frames arrive; the playback side calls `next`
/// whenever it needs the next frame's worth of audio, and executes the returned action
/// on that speaker's decoder. Time is passed in (microseconds on any monotonic clock),
/// so a test drives it without sleeping.
///
/// Adaptation: the target depth starts at `initialTarget` frames, follows the measured
/// interarrival jitter (RFC 3550 estimator) upwards at once and downwards slowly. The
/// target sets how much is buffered before a spurt starts playing; during a spurt, an
/// underrun holds playback back by what playback needs at that moment (the `underrun`
/// action: a few milliseconds of concealment, not a frame), a rise of the target holds it
/// back one frame, and a depth above the target for `shrinkAfterFrames` drops one frame
/// (depth shrinks). Slowly on purpose: every drop cuts 20 ms out of someone's speech (tried:
/// ten times faster above 3 frames of excess cut speech audibly after every network hiccup).
public struct JitterBuffer: Sendable {
    public struct Configuration: Equatable, Sendable {
        /// Frames buffered before the first spurt plays. 1: on a quiet network a frame plays
        /// as soon as it arrives (2 cost a whole frame of mouth-to-ear delay, measured); the
        /// target grows with measured jitter, late frames and underruns.
        public var initialTarget: Int = 1
        public var minTarget: Int = 1
        public var maxTarget: Int = 20
        /// Frame length assumed until a packet's TOC says otherwise.
        public var frameMicros: Int = 20_000
        /// A spurt ends after this long without a frame (PROTOCOL.md §2: 1 s).
        public var silenceTimeoutMicros: Int = 1_000_000
        /// Consecutive frames with a lower wanted target (or excess depth) before shrinking by one.
        public var shrinkAfterFrames: Int = 100
        /// Frames of time without a packet after which an underrun plays silence instead of PLC.
        public var maxConcealRun: Int = 10
        /// Multiplier from the jitter estimate to buffered time.
        public var jitterFactor: Double = 3

        public init() {}
    }

    /// What the decoder does for the next frame.
    public enum Action: Equatable, Sendable {
        /// Nothing to play (idle or still buffering): silence, the decoder is untouched.
        case silence
        /// Decode this packet. `last` marks the end of the spurt.
        case play(payload: [UInt8], last: Bool)
        /// The frame is lost but the next packet is here: decode its in-band FEC.
        case recover(fromNext: [UInt8])
        /// The frame is missing: run the decoder's loss concealment for `frameSamples`.
        case conceal
        /// The frame due has not arrived yet (nothing is buffered): conceal only as much as
        /// playback needs now (up to one playback period) and ask again. Playout moves back by
        /// that much rather than by a whole frame: a frame a few milliseconds late costs a few
        /// milliseconds of delay, not 20.
        case underrun
    }

    public struct Statistics: Equatable, Sendable {
        /// Frames buffered ahead of the playout point.
        public var depth = 0
        /// Current target depth in frames.
        public var target = 0
        /// Jitter estimate in microseconds.
        public var jitterMicros = 0
        public var received = 0
        public var played = 0
        /// Arrived after their playout time: dropped.
        public var late = 0
        public var duplicates = 0
        /// Never arrived in time: concealed or recovered.
        public var lost = 0
        /// Frames produced by loss concealment (lost frames, and a frame held back when the target rose).
        public var concealed = 0
        /// Lost frames rebuilt from the next packet's FEC.
        public var recovered = 0
        /// Playback held back because nothing was buffered (a run of `underrun` actions counts once).
        public var underruns = 0
        /// Frames dropped to shrink the depth.
        public var dropped = 0
        public var spurts = 0

        public init() {}
    }

    enum Phase: Equatable, Sendable {
        case idle
        case buffering(since: Int)
        case playing
    }

    struct Entry: Sendable {
        var payload: [UInt8]
        var flags: AudioFrame.Flags
    }

    public let configuration: Configuration
    private(set) var phase: Phase = .idle
    private var packets: [UInt16: Entry] = [:]
    /// Next seq to play (meaningful once a spurt started).
    private var nextSeq: UInt16 = 0
    private var hasHistory = false
    /// Bit i set: seq `nextSeq - 1 - i` was played (not concealed): tells duplicates from late frames.
    private var playedBits: UInt64 = 0
    private var lastArrival = 0
    private var lastArrivalSeq: UInt16 = 0
    private var jitter: Double = 0
    private var target: Int
    private var lowerTargetRun = 0
    private var excessRun = 0
    /// The target rose during a spurt: hold back one frame at the next playout.
    private var growPending = false
    /// In a run of underruns (nothing buffered when a frame was due): counted once.
    private var inUnderrun = false
    /// Length of one frame, learned from the packets.
    public private(set) var frameMicros: Int
    private var stats = Statistics()

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.target = configuration.initialTarget
        self.frameMicros = configuration.frameMicros
    }

    /// Samples at 48 kHz of one frame: how much `conceal` should produce.
    public var frameSamples: Int { frameMicros * 48 / 1000 }

    /// Whether a spurt is in progress (buffering or playing).
    public var isActive: Bool { phase != .idle }
    /// Frames buffered ahead of the playout point (`statistics.depth`, without the copy).
    public var bufferedFrames: Int { packets.count }
    /// Spurts started so far (`statistics.spurts`, without the copy).
    public var spurtCount: Int { stats.spurts }

    public var statistics: Statistics {
        var s = stats
        s.depth = packets.count
        s.target = target
        s.jitterMicros = Int(jitter)
        return s
    }

    /// Adds one received frame.
    public mutating func insert(_ frame: AudioFrame, at now: Int) {
        insert(seq: frame.seq, flags: frame.flags, payload: frame.payload, at: now)
    }

    public mutating func insert(seq: UInt16, flags: AudioFrame.Flags, payload: [UInt8], at now: Int) {
        stats.received += 1
        let silentLong = now - lastArrival >= configuration.silenceTimeoutMicros
        if let micros = OpusPacket.durationMicros(payload), micros > 0 { frameMicros = micros }
        let start = flags.contains(.start)
        // Interarrival jitter is measured within a spurt, never across the pause between two.
        if !start && !silentLong { measureJitter(seq: seq, at: now) } else { lastArrivalSeq = seq }

        switch phase {
        case .idle:
            if hasHistory && !start && !silentLong && !seq.isAfter(nextSeq &- 1) {
                classifyBehind(seq)
                return
            }
            beginSpurt(at: seq, now: now)
        case .buffering:
            if seq.distance(from: nextSeq) < 0 {
                // Reordered ahead of the spurt's first frame: start earlier.
                if -seq.distance(from: nextSeq) <= configuration.maxTarget * 2 { nextSeq = seq } else { beginSpurt(at: seq, now: now) }
            }
        case .playing:
            let d = seq.distance(from: nextSeq)
            if start && d >= 0 {
                // A new spurt (the previous END was lost or is still on its way): start over.
                stats.lost += packets.count
                beginSpurt(at: seq, now: now)
            } else if d < 0 {
                lastArrival = now
                classifyBehind(seq)
                return
            } else if d > configuration.silenceTimeoutMicros / max(frameMicros, 1) {
                // Far ahead of anything plausible: the sender restarted its counter.
                beginSpurt(at: seq, now: now)
            }
        }
        lastArrival = now
        if packets[seq] != nil {
            stats.duplicates += 1
            return
        }
        packets[seq] = Entry(payload: payload, flags: flags)
    }

    private mutating func beginSpurt(at seq: UInt16, now: Int) {
        packets.removeAll(keepingCapacity: true)
        nextSeq = seq
        playedBits = 0
        excessRun = 0
        phase = .buffering(since: now)
        inUnderrun = false
        growPending = false
        hasHistory = true
        stats.spurts += 1
    }

    /// A frame behind the playout point: a duplicate of a played one, or late.
    private mutating func classifyBehind(_ seq: UInt16) {
        let back = (nextSeq &- 1 &- seq)
        if back < 64 && (playedBits >> UInt64(back)) & 1 == 1 {
            stats.duplicates += 1
        } else {
            stats.late += 1
            raiseTarget(to: target + 1)
        }
    }

    private mutating func measureJitter(seq: UInt16, at now: Int) {
        defer { lastArrivalSeq = seq }
        guard stats.received > 1 else { return }
        let dseq = seq.distance(from: lastArrivalSeq)
        guard abs(dseq) < 50 else { return }
        let d = Double((now - lastArrival) - dseq * frameMicros)
        jitter += (abs(d) - jitter) / 16
        let wanted = Self.wantedTarget(jitterMicros: jitter, factor: configuration.jitterFactor, frameMicros: frameMicros)
        let clamped = min(max(wanted, configuration.minTarget), configuration.maxTarget)
        if clamped > target {
            raiseTarget(to: clamped)
        } else if clamped < target {
            lowerTargetRun += 1
            if lowerTargetRun >= configuration.shrinkAfterFrames {
                target -= 1
                lowerTargetRun = 0
            }
        } else {
            lowerTargetRun = 0
        }
    }

    /// The depth that absorbs `factor` times the jitter: one frame playing plus the frames
    /// that jitter spans. Jitter under `negligibleJitterMicros` (thread wake-ups, a device
    /// period of phase: measured 0.3-1 ms on loopback) spans nothing: rounding it up to a
    /// whole extra frame kept 20 ms of delay on a network with no jitter at all.
    static func wantedTarget(jitterMicros: Double, factor: Double, frameMicros: Int) -> Int {
        let spread = max(0, factor * jitterMicros - Double(negligibleJitterMicros))
        return 1 + Int((spread / Double(max(frameMicros, 1))).rounded(.up))
    }

    /// Jitter (times the factor) below this adds no frame to the target.
    static let negligibleJitterMicros = 5_000

    private mutating func raiseTarget(to value: Int) {
        let raised = min(max(value, target), configuration.maxTarget)
        // During a spurt a higher target is reached by holding playback back one frame
        // (the buffer starts at one frame deep: the depth must follow the target up).
        if raised > target, phase == .playing { growPending = true }
        target = raised
        lowerTargetRun = 0
    }

    private mutating func advance(played: Bool) {
        nextSeq &+= 1
        playedBits = playedBits << 1 | (played ? 1 : 0)
    }

    private mutating func endSpurt() {
        phase = .idle
        growPending = false
        packets.removeAll(keepingCapacity: true)
    }

    /// The next frame's action, at time `now`.
    public mutating func next(at now: Int) -> Action {
        switch phase {
        case .idle:
            return .silence
        case .buffering(let since):
            if now - lastArrival >= configuration.silenceTimeoutMicros {
                endSpurt()
                return .silence
            }
            let hasEnd = packets.values.contains { $0.flags.contains(.end) }
            let waited = now - since >= 2 * target * frameMicros
            guard packets.count >= target || hasEnd || waited else { return .silence }
            phase = .playing
            return playNext(at: now)
        case .playing:
            if now - lastArrival >= configuration.silenceTimeoutMicros {
                // A lost END: the speaker has been silent for a second.
                endSpurt()
                return .silence
            }
            return playNext(at: now)
        }
    }

    private mutating func playNext(at now: Int) -> Action {
        if growPending {
            growPending = false
            if packets.count < target, packets[nextSeq]?.flags.contains(.end) != true {
                stats.concealed += 1
                return .conceal
            }
        }
        // Shrink: depth stayed above the target (plus the frame in flight) for a while, drop
        // one frame. Tried `> target`: it gives a hiccup's extra frame back on a quiet network,
        // but when frames arrive right at the playout point it oscillates (underrun, conceal,
        // drop, underrun...): end to end PESQ-WB fell from 4.04 to 3.3-3.8.
        if packets.count > target + 1 {
            excessRun += 1
            if excessRun >= configuration.shrinkAfterFrames, packets[nextSeq]?.flags.contains(.end) == false,
               packets[nextSeq] != nil {
                packets[nextSeq] = nil
                advance(played: false)
                stats.dropped += 1
                excessRun = 0
            }
        } else {
            excessRun = 0
        }

        if let entry = packets.removeValue(forKey: nextSeq) {
            inUnderrun = false
            advance(played: true)
            stats.played += 1
            let last = entry.flags.contains(.end)
            if last { endSpurt() }
            return .play(payload: entry.payload, last: last)
        }
        if !packets.isEmpty {
            // A gap with later frames buffered: the frame is lost.
            stats.lost += 1
            let following = packets[nextSeq &+ 1]
            advance(played: false)
            if let following {
                stats.recovered += 1
                return .recover(fromNext: following.payload)
            }
            stats.concealed += 1
            return .conceal
        }
        // Nothing buffered: hold back by what playback needs now. The target stays: the
        // held-back time is the adaptation, and the jitter estimate raises the target when the
        // network's jitter calls for whole frames. After `maxConcealRun` frames of time without
        // a packet, silence instead of concealment.
        if !inUnderrun {
            inUnderrun = true
            stats.underruns += 1
        }
        if now - lastArrival > configuration.maxConcealRun * frameMicros { return .silence }
        return .underrun
    }
}
