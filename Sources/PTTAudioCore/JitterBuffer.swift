import PTTProtocol

/// One remote speaker's packets and playout (one buffer per speaker): puts frames back in
/// order, tells lost frames from late ones, and decides when a spurt starts playing and how
/// fast it plays, through its `PlayoutController`.
///
/// The network side calls `insert` as frames arrive. The playback side, once per period:
/// `willRender` (how much decoded audio it holds), then `next` for each frame's worth of audio
/// it needs, executing the returned action on that speaker's decoder, `decide` for each frame
/// decoded (play it as is, or a little faster or slower by `TimeStretcher`, or drop a quiet
/// frame, a pause, of a backlog), and reports what it did (`concealed`, `accelerated`, ...).
/// Time is passed in (nanoseconds of the monotonic clock), so a test drives it without sleeping.
///
/// Playout: a spurt starts once its first frame has waited the controller's target (or its last
/// frame is in). A frame that is due but has not arrived is concealed only as long as playback
/// needs (`underrun`); a gap with later frames already here is a loss (`recover` from the next
/// packet's FEC when it carries any, `conceal` otherwise). Whole frames are never inserted or
/// skipped to follow the device: the controller moves the delay toward its target by
/// time-stretching, so after a stall the backlog plays a little faster instead of staying.
public struct JitterBuffer: Sendable {
    public struct Configuration: Equatable, Sendable {
        /// Frame length assumed until a packet's TOC says otherwise.
        public var frameNanos: UInt64 = 20 * .millisecond
        /// A spurt ends after this long without a frame (PROTOCOL.md §2: 1 s).
        public var silenceTimeoutNanos: UInt64 = .second
        /// Frames of time without a packet after which an underrun plays silence instead of PLC.
        public var maxConcealRun: Int = 10
        /// The delay manager and its decisions.
        public var playout = PlayoutController.Configuration()

        public init() {}
    }

    /// What the decoder does for the next frame.
    public enum Action: Equatable, Sendable {
        /// Nothing to play (idle or still buffering): silence, the decoder is untouched.
        case silence
        /// Decode this packet. `last` marks the end of the spurt.
        case play(payload: [UInt8], last: Bool)
        /// The frame is lost and the next packet carries FEC for it: decode that.
        case recover(fromNext: [UInt8])
        /// The frame is missing: run the decoder's loss concealment for `frameSamples`.
        case conceal
        /// The frame due has not arrived yet (nothing is buffered): conceal only as much as
        /// playback needs now (up to one playback period) and ask again. The delay grows by
        /// that much; the controller plays it off once frames flow again.
        case underrun
    }

    public struct Statistics: Equatable, Sendable {
        /// Frames buffered ahead of the playout point.
        public var depth = 0
        public var received = 0
        public var played = 0
        /// Arrived after their playout time: dropped.
        public var late = 0
        public var duplicates = 0
        /// Never arrived in time: concealed or recovered.
        public var lost = 0
        /// Lost frames produced by loss concealment.
        public var concealed = 0
        /// Lost frames rebuilt from the next packet's FEC data (only packets that carry it).
        public var recovered = 0
        /// Runs of playback waiting for a frame that had not arrived (each run counts once).
        public var underruns = 0
        /// Quiet frames (pauses) dropped whole from a backlog (`PlayoutController`).
        public var dropped = 0
        public var spurts = 0
        /// The delay manager's view: target, delay, arrival quantile, device burst, stretching.
        public var playout = PlayoutController.Statistics()

        public init() {}
    }

    enum Phase: Equatable, Sendable {
        case idle
        case buffering(since: UInt64)
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
    /// The spurt's first seq: packet indices for the arrival statistics count from it.
    private var spurtFirstSeq: UInt16 = 0
    private var hasHistory = false
    /// Bit i set: seq `nextSeq - 1 - i` was played (not concealed): tells duplicates from late frames.
    private var playedBits: UInt64 = 0
    private var lastArrival: UInt64 = 0
    /// In a run of underruns (nothing buffered when a frame was due): counted once.
    private var inUnderrun = false
    /// Length of one frame, learned from the packets.
    public private(set) var frameNanos: UInt64
    private var controller: PlayoutController
    private var stats = Statistics()

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.frameNanos = configuration.frameNanos
        self.controller = PlayoutController(configuration.playout)
    }

    /// Samples at 48 kHz of one frame: how much `conceal` should produce.
    public var frameSamples: Int { SampleTime.samples(Int(frameNanos)) }

    /// Whether a spurt is in progress (buffering or playing).
    public var isActive: Bool { phase != .idle }
    /// Whether a spurt is playing (past its buffering).
    public var isPlaying: Bool { phase == .playing }

    public var statistics: Statistics {
        var s = stats
        s.depth = packets.count
        s.playout = controller.statistics
        return s
    }

    /// Adds one received frame.
    public mutating func insert(_ frame: AudioFrame, at now: UInt64) {
        insert(seq: frame.seq, flags: frame.flags, payload: frame.payload, at: now)
    }

    public mutating func insert(seq: UInt16, flags: AudioFrame.Flags, payload: [UInt8], at now: UInt64) {
        stats.received += 1
        let silentLong = elapsed(from: lastArrival, to: now) >= configuration.silenceTimeoutNanos
        if let samples = OpusPacket.samples(payload), samples > 0 { frameNanos = UInt64(SampleTime.nanos(samples)) }
        let start = flags.contains(.start)

        switch phase {
        case .idle:
            if hasHistory && !start && !silentLong && !seq.isAfter(nextSeq &- 1) {
                classifyBehind(seq, at: now)
                return
            }
            beginSpurt(at: seq, now: now)
        case .buffering:
            if seq.distance(from: nextSeq) < 0 {
                // Reordered ahead of the spurt's first frame: start earlier.
                if -seq.distance(from: nextSeq) <= 40 { nextSeq = seq } else { beginSpurt(at: seq, now: now) }
            }
        case .playing:
            let d = seq.distance(from: nextSeq)
            if start && d >= 0 {
                // A new spurt (the previous END was lost or is still on its way): start over.
                stats.lost += packets.count
                beginSpurt(at: seq, now: now)
            } else if d < 0 {
                lastArrival = now
                classifyBehind(seq, at: now)
                return
            } else if UInt64(d) * frameNanos > configuration.silenceTimeoutNanos {
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
        controller.packetArrived(index: seq.distance(from: spurtFirstSeq), frameNanos: Int(frameNanos), at: now)
    }

    private mutating func beginSpurt(at seq: UInt16, now: UInt64) {
        packets.removeAll(keepingCapacity: true)
        nextSeq = seq
        spurtFirstSeq = seq
        playedBits = 0
        phase = .buffering(since: now)
        inUnderrun = false
        hasHistory = true
        stats.spurts += 1
        controller.beginSpurt()
    }

    /// A frame behind the playout point: a duplicate of a played one, or late (its lateness
    /// still counts in the arrival statistics).
    private mutating func classifyBehind(_ seq: UInt16, at now: UInt64) {
        let back = (nextSeq &- 1 &- seq)
        if back < 64 && (playedBits >> UInt64(back)) & 1 == 1 {
            stats.duplicates += 1
        } else {
            stats.late += 1
            if phase != .idle { controller.packetArrived(index: seq.distance(from: spurtFirstSeq), frameNanos: Int(frameNanos), at: now) }
        }
    }

    private mutating func advance(played: Bool) {
        nextSeq &+= 1
        playedBits = playedBits << 1 | (played ? 1 : 0)
    }

    private mutating func endSpurt() {
        phase = .idle
        packets.removeAll(keepingCapacity: true)
    }

    /// The next frame's action, at time `now`.
    public mutating func next(at now: UInt64) -> Action {
        switch phase {
        case .idle:
            return .silence
        case .buffering(let since):
            if elapsed(from: lastArrival, to: now) >= configuration.silenceTimeoutNanos {
                endSpurt()
                return .silence
            }
            let hasEnd = packets.values.contains { $0.flags.contains(.end) }
            let waited = elapsed(from: since, to: now) >= UInt64(max(0, controller.targetNanos))
            guard hasEnd || waited else { return .silence }
            phase = .playing
            return playNext(at: now)
        case .playing:
            if elapsed(from: lastArrival, to: now) >= configuration.silenceTimeoutNanos {
                // A lost END: the speaker has been silent for a second.
                endSpurt()
                return .silence
            }
            return playNext(at: now)
        }
    }

    private mutating func playNext(at now: UInt64) -> Action {
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
            if let following, OpusPacket.hasLBRR(following.payload) {
                stats.recovered += 1
                return .recover(fromNext: following.payload)
            }
            stats.concealed += 1
            return .conceal
        }
        // Nothing buffered: hold back by what playback needs now. After `maxConcealRun` frames
        // of time without a packet, silence instead of concealment.
        if !inUnderrun {
            inUnderrun = true
            stats.underruns += 1
        }
        if elapsed(from: lastArrival, to: now) > UInt64(configuration.maxConcealRun) * frameNanos { return .silence }
        return .underrun
    }

    // MARK: Playout

    /// A render is about to pull `frames`; the caller holds `decodedSamples` of this speaker's
    /// audio not yet played. Call once per period while the spurt plays, before `next`.
    public mutating func willRender(decodedSamples: Int, frames: Int, at now: UInt64) {
        let level = decodedSamples + packets.count * frameSamples
        controller.willRender(levelNanos: SampleTime.nanos(level), frames: frames, at: now)
    }

    /// `samples` were played in place of audio that had not arrived (an underrun's concealment
    /// or silence while the spurt plays).
    public mutating func concealed(samples: Int) {
        controller.concealed(samples: samples)
    }

    /// What to do with a frame of decoded audio (`frameSamples` long) about to be queued for
    /// playing. `isQuiet` is asked only when a drop is due.
    public mutating func decide(frameSamples: Int, at now: UInt64, isQuiet: @autoclosure () -> Bool) -> PlayoutController.Decision {
        controller.decide(frameSamples: frameSamples, at: now, isQuiet: isQuiet())
    }

    /// The stretcher removed `samples` after `.accelerate`.
    public mutating func accelerated(removing samples: Int) { controller.accelerated(removing: samples) }
    /// The stretcher added `samples` after `.slowDown`.
    public mutating func slowedDown(adding samples: Int) { controller.slowedDown(adding: samples) }
    /// A quiet frame of `samples` was dropped after `.dropAtPause`.
    public mutating func dropped(samples: Int) {
        controller.dropped(samples: samples)
        stats.dropped += 1
    }

    /// The delay the controller holds, in nanoseconds: also how long a spurt buffers first.
    public var targetNanos: Int { controller.targetNanos }
}
