import PTTProtocol
import PTTAudioCore
import PTTSystem

/// The receiving half: one jitter buffer (with its playout controller), one decoder and one
/// time stretcher per remote speaker, the mixer and the cue tones. `receive` takes frames from
/// the network; the playback engine calls `render` for each period.
///
/// Ownership: jitter buffers, mixer settings, pending cues, speaker levels and statistics
/// are protected by `lock` (held for inserts, playout decisions and the mix: microseconds).
/// Decoders, stretchers and each speaker's decoded-sample queue belong to the playback thread
/// (only `render` touches them), so decoding and stretching happen outside the lock.
public final class Receiver: @unchecked Sendable {
    public let channels: Int
    private let jitterConfiguration: JitterBuffer.Configuration
    private let lock = ConditionLock()

    struct Speaker {
        var jitter: JitterBuffer
        var level = AudioLevel.silence
        /// When its last frame arrived.
        var lastHeard: UInt64 = 0
    }
    // Protected by lock:
    private var speakers: [UInt32: Speaker] = [:]
    private var mixer: Mixer
    private var cueQueue: [Int16] = []
    /// The last spurts heard, as they arrived, to hear again (`replay`).
    private var history = SpurtHistory()
    /// A replay to be played (decoded already), mixed as the cues are, and how much of it has been.
    private var replayQueue: [Int16] = []
    private var replayPlayed = 0
    /// The cue being played is to stop (a newer one replaces it).
    private var cueCut = false
    private var cuesOn = true
    private var decodeErrors = 0
    /// Received and lost frames of speakers already removed, so totals never go down.
    private var retiredReceived = 0
    private var retiredLost = 0
    private var outputLevel = AudioLevel.silence
    private var speakersSeen = 0

    // Playback thread only:
    private final class Voice {
        let decoder: OpusDecoder
        var pcm: [Int16] = []
        var stretcher = TimeStretcher()
        /// The queue being rebuilt by a stretch (swapped with `pcm`), kept to avoid allocating.
        var scratch: [Int16] = []
        init() throws { decoder = try OpusDecoder() }
    }
    /// What the playback thread did to a speaker's audio, reported to its playout under the lock.
    private enum Outcome {
        case accelerated(Int)
        case slowedDown(Int)
        case dropped(Int)
    }
    private var voices: [UInt32: Voice] = [:]
    private var cueLocal: [Int16] = []
    private var replayLocal: [Int16] = []
    // Kept between periods so rendering does not allocate once warmed up.
    /// Per speaker: its actions.
    private var work: [(id: UInt32, actions: Range<Int>)] = []
    /// Each action with the samples it yields (concealment's length) and, for a frame, what to
    /// do with it once decoded.
    private var plannedActions: [(action: JitterBuffer.Action, samples: Int, decision: PlayoutController.Decision?)] = []
    private var outcomes: [(id: UInt32, outcome: Outcome)] = []
    private var inputs: [(id: UInt32, samples: ArraySlice<Int16>)] = []
    private var played: [(id: UInt32, count: Int)] = []
    private var departed: [UInt32] = []

    /// Speaker id the cue tones are mixed under (ids are never 0 on the wire).
    public static let cueChannel: UInt32 = 0
    /// Speakers kept at once: a frame from a new one beyond this forgets the one heard least
    /// recently. Each costs a jitter buffer and a decoder, and ids are whatever the far end
    /// sends (a hostile relay or forwarder could invent thousands).
    public static let maxSpeakers = 64
    /// A frame quieter than this (RMS, fraction of full scale: -50 dBFS, a pause rather than a
    /// soft sound) may be dropped from a backlog (`PlayoutController.Configuration.pauseDropAboveNanos`).
    static let quietRMS = 0.003

    public init(channels: Int = 1, jitter: JitterBuffer.Configuration = JitterBuffer.Configuration()) {
        self.channels = channels
        self.jitterConfiguration = jitter
        self.mixer = Mixer(outputChannels: channels)
    }

    /// Adds one received frame (any thread). Frames of kinds other than Opus are dropped.
    public func receive(_ frame: AudioFrame, at now: UInt64 = MonotonicClock.now()) {
        guard frame.kind == .opus, frame.source != Self.cueChannel else { return }
        lock.withLock {
            if speakers[frame.source] == nil {
                if speakers.count >= Self.maxSpeakers, let oldest = speakers.min(by: { $0.value.lastHeard < $1.value.lastHeard })?.key {
                    retire(oldest)
                }
                speakers[frame.source] = Speaker(jitter: JitterBuffer(jitterConfiguration))
                // In stereo, each new speaker gets its own place unless one was set.
                if channels == 2 && !mixer.hasPan(frame.source) {
                    mixer.setPan(frame.source, Mixer.autoPan(index: speakersSeen))
                }
                speakersSeen += 1
            }
            // Through the index: `speakers[id]?.jitter.insert` moves the speaker into a
            // temporary too big for the accessor's inline buffer, a heap allocation per frame.
            guard let index = speakers.index(forKey: frame.source) else { return }
            speakers.values[index].lastHeard = now
            speakers.values[index].jitter.insert(frame, at: now)
            history.record(speaker: frame.source, payload: frame.payload, flags: frame.flags, at: now)
        }
    }

    /// Keeps a spurt of the room's history (from the relay) to replay, as if it had been heard
    /// `started` (monotonic nanoseconds); it is never played as live audio.
    public func addHistory(speaker: UInt32, packets: [[UInt8]], started: UInt64) {
        lock.withLock {
            for (i, p) in packets.enumerated() {
                var flags: AudioFrame.Flags = []
                if i == 0 { flags.insert(.start) }
                if i == packets.count - 1 { flags.insert(.end) }
                history.record(speaker: speaker, payload: p, flags: flags, at: started)
            }
        }
    }

    /// Forgets a speaker (it left the room).
    public func removeSpeaker(_ id: UInt32) {
        lock.withLock { retire(id) }
    }

    /// Forgets a speaker, keeping its counts in the totals; under the lock. Its decoder goes
    /// at the next `render`.
    private func retire(_ id: UInt32) {
        if let s = speakers.removeValue(forKey: id)?.jitter.statistics {
            retiredReceived += s.received
            retiredLost += s.lost
        }
        mixer.removeChannel(id)
    }

    /// Speakers kept now.
    public var speakerCount: Int { lock.withLock { speakers.count } }

    /// Queues a cue tone (any thread); ignored when cues are off.
    public func play(_ cue: Cue) {
        let samples = CueTones.samples(cue)
        lock.withLock { if cuesOn { cueQueue.append(contentsOf: samples) } }
    }

    /// Plays `cue` instead of whatever cue is still sounding or queued (a refusal replaces the
    /// permit chirp it arrived during: one answer is heard, not two).
    public func replaceCues(with cue: Cue) {
        let samples = CueTones.samples(cue)
        lock.withLock {
            cueQueue.removeAll(keepingCapacity: true)
            cueCut = true
            if cuesOn { cueQueue.append(contentsOf: samples) }
        }
    }

    /// The spurts that can be heard again, oldest first.
    public var recentSpurts: [SpurtHistory.Spurt] { lock.withLock { history.spurts } }

    /// Plays the spurt `back` places from the newest (1: the last) again, about `speed` times
    /// faster (1 to 1.5, pitch kept), through the mix; it is never sent anywhere. Decodes it
    /// here, on the calling thread, with a decoder of its own. Returns the spurt, or nil when
    /// there is none that far back. A replay asked for while one plays replaces it.
    @discardableResult
    public func replay(back: Int, speed: Double = 1) throws -> SpurtHistory.Spurt? {
        guard let spurt = lock.withLock({ history.spurt(back: back) }) else { return nil }
        let decoder = try OpusDecoder()
        var pcm: [Int16] = []
        for packet in spurt.packets {
            // A packet the decoder refuses is skipped: the rest is still worth hearing.
            if let decoded = try? decoder.decode(packet) { pcm.append(contentsOf: decoded) }
        }
        if speed > 1 {
            var stretcher = TimeStretcher()
            pcm = stretcher.speededUp(pcm, by: speed)
        }
        lock.withLock {
            replayQueue = pcm
            replayPlayed = 0
        }
        return spurt
    }

    public var cuesEnabled: Bool {
        get { lock.withLock { cuesOn } }
        set { lock.withLock { cuesOn = newValue } }
    }

    public func setGain(_ id: UInt32, dB: Double) { lock.withLock { mixer.setGain(id, dB: dB) } }
    public func setMuted(_ id: UInt32, _ muted: Bool) { lock.withLock { mixer.setMuted(id, muted) } }
    /// -1 (left) ... 1 (right); in stereo, speakers are spread automatically until set.
    public func setPan(_ id: UInt32, _ pan: Double) { lock.withLock { mixer.setPan(id, pan) } }
    public func pan(of id: UInt32) -> Double { lock.withLock { mixer.channel(id).pan } }
    public var masterGain: Double {
        get { lock.withLock { mixer.masterGain } }
        set { lock.withLock { mixer.masterGain = newValue } }
    }

    /// Level of a speaker's last played period.
    public func level(of id: UInt32) -> AudioLevel { lock.withLock { speakers[id]?.level ?? .silence } }
    /// Level of the last mixed period.
    public var mixLevel: AudioLevel { lock.withLock { outputLevel } }
    public func statistics(of id: UInt32) -> JitterBuffer.Statistics? { lock.withLock { speakers[id]?.jitter.statistics } }
    /// Speakers whose spurt is in progress.
    public var activeSpeakers: [UInt32] { lock.withLock { speakers.filter { $0.value.jitter.isActive }.map(\.key).sorted() } }
    /// Every speaker heard and not yet removed, with their statistics, by id.
    public var allStatistics: [(id: UInt32, statistics: JitterBuffer.Statistics)] {
        lock.withLock { speakers.map { ($0.key, $0.value.jitter.statistics) }.sorted { $0.id < $1.id } }
    }
    public var decoderErrors: Int { lock.withLock { decodeErrors } }

    /// Frames received and lost over every speaker since the start: feed to a `LossEstimator`
    /// and pass its suggestion to `Transmitter.setExpectedLoss`.
    public var lossTotals: (received: Int, lost: Int) {
        lock.withLock {
            speakers.values.reduce((retiredReceived, retiredLost)) { ($0.0 + $1.jitter.statistics.received, $0.1 + $1.jitter.statistics.lost) }
        }
    }

    /// Produces the next `frames` frames of output (`frames * channels` samples). Playback thread only.
    public func render(into buffer: inout [Int16], frames: Int, at now: UInt64 = MonotonicClock.now()) {
        // 1. Under the lock: decide what each speaker's decoder does and how each decoded frame
        // is played, take cue samples. Jitter buffers are changed in place through the
        // dictionary's indices: a loop over a copy would copy them every period.
        work.removeAll(keepingCapacity: true)
        plannedActions.removeAll(keepingCapacity: true)
        lock.withLock {
            var index = speakers.startIndex
            while index != speakers.endIndex {
                let id = speakers.keys[index]
                let have = voices[id]?.pcm.count ?? 0
                let first = plannedActions.count
                if speakers.values[index].jitter.isPlaying {
                    speakers.values[index].jitter.willRender(decodedSamples: have, frames: frames, at: now)
                }
                var planned = have
                var concealed = 0
                let frameSamples = speakers.values[index].jitter.frameSamples
                while planned < frames {
                    let action = speakers.values[index].jitter.next(at: now)
                    if action == .silence { break }
                    if action == .underrun {
                        // Bridge only this period's shortfall, in the 2.5 ms steps Opus conceals in.
                        let samples = min(frameSamples, (frames - planned + 119) / 120 * 120)
                        plannedActions.append((action, samples, nil))
                        planned += samples
                        concealed += samples
                        break
                    }
                    let samples: Int
                    if case .play(let payload, _) = action { samples = OpusPacket.samples(payload) ?? frameSamples } else { samples = frameSamples }
                    // Whether the frame is quiet is only known once decoded: a drop is checked then.
                    let decision = speakers.values[index].jitter.decide(frameSamples: samples, at: now, isQuiet: true)
                    plannedActions.append((action, samples, decision))
                    planned += samples
                }
                // While the spurt plays, a period it cannot fill is time the listener waits:
                // the delay grows by it (the controller plays it off later).
                if speakers.values[index].jitter.isPlaying && planned < frames { concealed += frames - planned }
                if concealed > 0 { speakers.values[index].jitter.concealed(samples: concealed) }
                if plannedActions.count > first || have > 0 { work.append((id, first..<plannedActions.count)) }
                speakers.formIndex(after: &index)
            }
            if cueCut {
                cueLocal.removeAll(keepingCapacity: true)
                cueCut = false
            }
            if replayPlayed < replayQueue.count {
                // Taken a period at a time: a new replay replaces what is left of this one.
                let n = min(frames, replayQueue.count - replayPlayed)
                replayLocal.append(contentsOf: replayQueue[replayPlayed..<(replayPlayed + n)])
                replayPlayed += n
                // Played out: the samples stay until the next replay replaces them (on its
                // caller's thread), so nothing is freed on the playback thread.
            }
            if !cueQueue.isEmpty {
                cueLocal.append(contentsOf: cueQueue)
                cueQueue.removeAll(keepingCapacity: true)
            }
        }
        // 2. Outside the lock: decode, and stretch or drop what the playout decided.
        inputs.removeAll(keepingCapacity: true)
        outcomes.removeAll(keepingCapacity: true)
        var errors = 0
        for (id, actions) in work {
            let voice: Voice
            if let v = voices[id] { voice = v } else {
                guard let v = try? Voice() else { errors += 1; continue }
                voices[id] = v
                voice = v
            }
            for i in actions {
                let before = voice.pcm.count
                do { try voice.decoder.perform(plannedActions[i].action, frameSamples: plannedActions[i].samples, appendingTo: &voice.pcm) } catch { errors += 1 }
                if let decision = plannedActions[i].decision, let outcome = Self.apply(decision, to: voice, decodedFrom: before) {
                    outcomes.append((id, outcome))
                }
            }
            let n = min(frames, voice.pcm.count)
            inputs.append((id, voice.pcm[0..<n]))
        }
        if !cueLocal.isEmpty {
            let n = min(frames, cueLocal.count)
            inputs.append((Self.cueChannel, cueLocal[0..<n]))
        }
        if !replayLocal.isEmpty {
            inputs.append((Self.cueChannel, replayLocal[...]))
        }
        // 3. Under the lock: report what was stretched, mix with the current settings, record levels.
        lock.withLock {
            for (id, outcome) in outcomes {
                guard let index = speakers.index(forKey: id) else { continue }
                switch outcome {
                case .accelerated(let n): speakers.values[index].jitter.accelerated(removing: n)
                case .slowedDown(let n): speakers.values[index].jitter.slowedDown(adding: n)
                case .dropped(let n): speakers.values[index].jitter.dropped(samples: n)
                }
            }
            mixer.mix(inputs, frames: frames, into: &buffer)
            for input in inputs where input.id != Self.cueChannel {
                guard let index = speakers.index(forKey: input.id) else { continue }
                speakers.values[index].level = AudioLevel(measuring: input.samples)
            }
            var index = speakers.startIndex
            while index != speakers.endIndex {
                let id = speakers.keys[index]
                if !speakers.values[index].jitter.isActive && !inputs.contains(where: { $0.id == id }) {
                    speakers.values[index].level = .silence
                }
                speakers.formIndex(after: &index)
            }
            outputLevel = AudioLevel(measuring: buffer)
            decodeErrors += errors
            departed.removeAll(keepingCapacity: true)
            for id in voices.keys where speakers[id] == nil { departed.append(id) }
        }
        // 4. Drop what was played. The slices go first: while they share a queue's storage,
        // removing from the queue would copy it.
        played.removeAll(keepingCapacity: true)
        for input in inputs.dropLast(replayLocal.isEmpty ? 0 : 1) { played.append((input.id, input.samples.count)) }
        inputs.removeAll(keepingCapacity: true)
        replayLocal.removeAll(keepingCapacity: true)
        for (id, count) in played {
            if id == Self.cueChannel { cueLocal.removeFirst(count) } else { voices[id]?.pcm.removeFirst(count) }
        }
        for id in departed { voices[id] = nil }
        plannedActions.removeAll(keepingCapacity: true)   // the packets are played: let them go
    }

    /// Carries out a playout decision on a voice's queue, whose newest frame starts at
    /// `decodedFrom`: stretching works on the whole queue from the sample about to play, so the
    /// change happens as soon as possible and joins what was played before.
    private static func apply(_ decision: PlayoutController.Decision, to voice: Voice, decodedFrom start: Int) -> Outcome? {
        switch decision {
        case .normal:
            return nil
        case .accelerate(let limit):
            voice.scratch.removeAll(keepingCapacity: true)
            let removed = voice.stretcher.accelerate(voice.pcm[...], limit: limit, into: &voice.scratch)
            guard removed > 0 else { return nil }
            swap(&voice.pcm, &voice.scratch)
            return .accelerated(removed)
        case .slowDown(let limit):
            voice.scratch.removeAll(keepingCapacity: true)
            let added = voice.stretcher.expand(voice.pcm[...], limit: limit, into: &voice.scratch)
            guard added > 0 else { return nil }
            swap(&voice.pcm, &voice.scratch)
            return .slowedDown(added)
        case .dropAtPause(let limit):
            // A backlog: a quiet frame (a pause) goes whole; speech is accelerated as budgeted.
            let frame = voice.pcm[start...]
            guard !frame.isEmpty else { return nil }
            if AudioLevel(measuring: frame).rms < quietRMS {
                let n = frame.count
                voice.pcm.removeLast(n)
                return .dropped(n)
            }
            return limit > 0 ? apply(.accelerate(maxSamples: limit), to: voice, decodedFrom: start) : nil
        }
    }
}
