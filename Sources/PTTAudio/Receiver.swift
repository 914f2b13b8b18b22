import PTTProtocol
import PTTAudioCore
import PTTSystem

/// The receiving half: one jitter buffer and one decoder per remote speaker, the mixer and
/// the cue tones. `receive` takes frames from the network; the playback engine calls
/// `render` for each period.
///
/// Ownership: jitter buffers, mixer settings, pending cues, speaker levels and statistics
/// are protected by `lock` (held for inserts, jitter decisions and the mix: microseconds).
/// Decoders and each speaker's decoded-sample queue belong to the playback thread (only
/// `render` touches them), so decoding happens outside the lock.
public final class Receiver: @unchecked Sendable {
    public let channels: Int
    private let jitterConfiguration: JitterBuffer.Configuration
    private let lock = ConditionLock()

    struct Speaker {
        var jitter: JitterBuffer
        var level = AudioLevel.silence
        /// Periods skipped to give back delay that underruns added (`PlayoutTrim`).
        var trimmed = 0
    }
    // Protected by lock:
    private var speakers: [UInt32: Speaker] = [:]
    private var mixer: Mixer
    private var cueQueue: [Int16] = []
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
        var trim = PlayoutTrim()
        var spurt = 0
        init() throws { decoder = try OpusDecoder() }
    }
    private var voices: [UInt32: Voice] = [:]
    private var cueLocal: [Int16] = []
    // Kept between periods so rendering does not allocate once warmed up.
    /// Per speaker: its actions, the samples still buffered as frames, the spurt's number.
    private var work: [(id: UInt32, actions: Range<Int>, buffered: Int, spurt: Int)] = []
    /// Each action with the samples it yields (concealment's length).
    private var plannedActions: [(action: JitterBuffer.Action, samples: Int)] = []
    private var trims: [UInt32] = []
    private var inputs: [(id: UInt32, samples: ArraySlice<Int16>)] = []
    private var played: [(id: UInt32, count: Int)] = []
    private var departed: [UInt32] = []

    /// Speaker id the cue tones are mixed under (ids are never 0 on the wire).
    public static let cueChannel: UInt32 = 0

    public init(channels: Int = 1, jitter: JitterBuffer.Configuration = JitterBuffer.Configuration()) {
        self.channels = channels
        self.jitterConfiguration = jitter
        self.mixer = Mixer(outputChannels: channels)
    }

    /// Adds one received frame (any thread). Frames of kinds other than Opus are dropped.
    public func receive(_ frame: AudioFrame, at now: Int = Int(MonotonicClock.now() / 1_000)) {
        guard frame.kind == .opus, frame.source != Self.cueChannel else { return }
        lock.withLock {
            if speakers[frame.source] == nil {
                speakers[frame.source] = Speaker(jitter: JitterBuffer(jitterConfiguration))
                // In stereo, each new speaker gets its own place unless one was set.
                if channels == 2 && !mixer.hasChannel(frame.source) {
                    mixer.setPan(frame.source, Mixer.autoPan(index: speakersSeen))
                }
                speakersSeen += 1
            }
            // Through the index: `speakers[id]?.jitter.insert` moves the speaker into a
            // temporary too big for the accessor's inline buffer, a heap allocation per frame.
            guard let index = speakers.index(forKey: frame.source) else { return }
            speakers.values[index].jitter.insert(frame, at: now)
        }
    }

    /// Forgets a speaker (it left the room).
    public func removeSpeaker(_ id: UInt32) {
        lock.withLock {
            if let s = speakers.removeValue(forKey: id)?.jitter.statistics {
                retiredReceived += s.received
                retiredLost += s.lost
            }
            mixer.removeChannel(id)
        }
    }

    /// Queues a cue tone (any thread); ignored when cues are off.
    public func play(_ cue: Cue) {
        let samples = CueTones.samples(cue)
        lock.withLock { if cuesOn { cueQueue.append(contentsOf: samples) } }
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
    /// Every speaker heard and not yet removed, with their statistics and the periods skipped
    /// to give back delay, by id.
    public var allStatistics: [(id: UInt32, statistics: JitterBuffer.Statistics, trimmed: Int)] {
        lock.withLock { speakers.map { ($0.key, $0.value.jitter.statistics, $0.value.trimmed) }.sorted { $0.id < $1.id } }
    }
    /// Periods of a speaker's audio skipped to give back delay that underruns added.
    public func trimmedPeriods(of id: UInt32) -> Int { lock.withLock { speakers[id]?.trimmed ?? 0 } }
    public var decoderErrors: Int { lock.withLock { decodeErrors } }

    /// Frames received and lost over every speaker since the start: feed to a `LossEstimator`
    /// and pass its suggestion to `Transmitter.setExpectedLoss`.
    public var lossTotals: (received: Int, lost: Int) {
        lock.withLock {
            speakers.values.reduce((retiredReceived, retiredLost)) { ($0.0 + $1.jitter.statistics.received, $0.1 + $1.jitter.statistics.lost) }
        }
    }

    /// Produces the next `frames` frames of output (`frames * channels` samples). Playback thread only.
    public func render(into buffer: inout [Int16], frames: Int, at now: Int = Int(MonotonicClock.now() / 1_000)) {
        // 1. Under the lock: decide what each speaker's decoder does, take cue samples.
        // Jitter buffers are changed in place through the dictionary's indices: a loop over a
        // copy (or a copied buffer written back) would copy them every period.
        work.removeAll(keepingCapacity: true)
        plannedActions.removeAll(keepingCapacity: true)
        lock.withLock {
            var index = speakers.startIndex
            while index != speakers.endIndex {
                let id = speakers.keys[index]
                let have = voices[id]?.pcm.count ?? 0
                var planned = have
                let first = plannedActions.count
                let frameSamples = speakers.values[index].jitter.frameSamples
                while planned < frames {
                    let action = speakers.values[index].jitter.next(at: now)
                    if action == .silence { break }
                    if action == .underrun {
                        // Bridge only this period's shortfall, in the 2.5 ms steps Opus conceals in.
                        plannedActions.append((action, min(frameSamples, (frames - planned + 119) / 120 * 120)))
                        break
                    }
                    let samples: Int
                    if case .play(let payload, _) = action { samples = OpusPacket.samples(payload) ?? frameSamples } else { samples = frameSamples }
                    plannedActions.append((action, samples))
                    planned += samples
                }
                if plannedActions.count > first || have > 0 {
                    let buffered = speakers.values[index].jitter.bufferedFrames * frameSamples
                    work.append((id, first..<plannedActions.count, buffered, speakers.values[index].jitter.spurtCount))
                }
                speakers.formIndex(after: &index)
            }
            if !cueQueue.isEmpty {
                cueLocal.append(contentsOf: cueQueue)
                cueQueue.removeAll(keepingCapacity: true)
            }
        }
        // 2. Outside the lock: decode.
        inputs.removeAll(keepingCapacity: true)
        var errors = 0
        trims.removeAll(keepingCapacity: true)
        for (id, actions, buffered, spurt) in work {
            let voice: Voice
            if let v = voices[id] { voice = v } else {
                guard let v = try? Voice() else { errors += 1; continue }
                voices[id] = v
                voice = v
            }
            for i in actions {
                do { try voice.decoder.perform(plannedActions[i].action, frameSamples: plannedActions[i].samples, appendingTo: &voice.pcm) } catch { errors += 1 }
            }
            if voice.spurt != spurt {
                voice.spurt = spurt
                voice.trim.reset()
            }
            // Skip only what is decoded already (the skipped period and the one played instead).
            if voice.pcm.count >= frames,
               voice.trim.period(lead: voice.pcm.count - frames + buffered, periodSamples: frames,
                                 rms: AudioLevel(measuring: voice.pcm[0..<frames]).rms,
                                 canSkip: voice.pcm.count >= 2 * frames, at: now) {
                voice.pcm.removeFirst(frames)
                trims.append(id)
            }
            let n = min(frames, voice.pcm.count)
            inputs.append((id, voice.pcm[0..<n]))
        }
        if !cueLocal.isEmpty {
            let n = min(frames, cueLocal.count)
            inputs.append((Self.cueChannel, cueLocal[0..<n]))
        }
        // 3. Under the lock: mix with the current settings, record levels.
        lock.withLock {
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
            for id in trims {
                if let index = speakers.index(forKey: id) { speakers.values[index].trimmed += 1 }
            }
            departed.removeAll(keepingCapacity: true)
            for id in voices.keys where speakers[id] == nil { departed.append(id) }
        }
        // 4. Drop what was played. The slices go first: while they share a queue's storage,
        // removing from the queue would copy it.
        played.removeAll(keepingCapacity: true)
        for input in inputs { played.append((input.id, input.samples.count)) }
        inputs.removeAll(keepingCapacity: true)
        for (id, count) in played {
            if id == Self.cueChannel { cueLocal.removeFirst(count) } else { voices[id]?.pcm.removeFirst(count) }
        }
        for id in departed { voices[id] = nil }
        plannedActions.removeAll(keepingCapacity: true)   // the packets are played: let them go
    }
}
