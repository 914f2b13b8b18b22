import Dispatch
import PTTAudio
import PTTClient
import PTTProtocol
import PTTScribeCore
import PTTSessionCore
import PTTSystem
import Synchronization

/// A scribe in one room: listens, recognizes each member's spurts, sends a `caption` per spurt
/// and appends it to the transcripts.
///
/// Frames and roster events arrive on the session's threads and are handed to one serial queue,
/// where the tracker, the schedule and one Opus decoder per speaker live. Each engine works on
/// its own serial queue; its results come back to the scribe's queue.
public final class Scribe: Sendable {
    public struct Options: Sendable {
        public var recognizer: RecognizerChoice
        /// Spurts recognized at once (each engine takes one; PocketSphinx loads its model per engine).
        public var engines: Int
        /// Partial captions every this many nanoseconds of a spurt's audio; nil for final ones only.
        public var partialEvery: UInt64?
        /// Audio kept for spurts waiting for an engine, in seconds (then spurts are dropped, said).
        public var backlogSeconds: Int
        public var transcripts: TranscriptWriter?

        public init(recognizer: RecognizerChoice, engines: Int = 2, partialEvery: UInt64? = nil,
                    backlogSeconds: Int = 120, transcripts: TranscriptWriter? = nil) {
            self.recognizer = recognizer
            self.engines = engines
            self.partialEvery = partialEvery
            self.backlogSeconds = backlogSeconds
            self.transcripts = transcripts
        }
    }

    /// What a scribe did, for its log and the benchmarks.
    public struct Counts: Equatable, Sendable {
        public var spurts = 0
        public var captions = 0
        public var empty = 0
        public var failed = 0
        public var dropped = 0
        /// Seconds of speech recognized, and seconds the engines spent on them.
        public var speechSeconds = 0.0
        public var engineSeconds = 0.0
    }

    /// A caption the scribe sent, with the time from the spurt's end to its sending.
    public struct Sent: Sendable {
        public var caption: CaptionMessage
        public var afterEnd: UInt64
    }

    static let sampleRate = 16_000
    let session: ClientSession
    let room: String
    let options: Options
    let queue = DispatchQueue(label: "ptt.scribe")
    let slots: [EngineSlot]
    let state: Mutex<State>
    let report: @Sendable (String) -> Void
    let onCaption: @Sendable (Sent) -> Void
    /// Ticks the tracker (ends silent spurts); a dispatch source is safe from any thread.
    nonisolated(unsafe) let timer: any DispatchSourceTimer

    struct SpurtInfo {
        var id: UInt32
        var name: String
        var startWall: Int64
        var startMono: UInt64
        var endMono: UInt64?
        var samples = 0
        var lastPartialAt = 0
        var lastPartial = ""
    }

    struct State: @unchecked Sendable {
        var tracker = SpurtTracker()
        var schedule: RecognitionSchedule
        /// One per speaker heard, fresh for each spurt (confined to the scribe's queue).
        var decoders: [UInt32: OpusDecoder] = [:]
        var frameSamples: [UInt32: Int] = [:]
        var spurts: [Int: SpurtInfo] = [:]
        var counts = Counts()
    }

    /// Makes the engines now (a missing model is an error before joining) and the session.
    public init(config: SessionCore.Configuration, connector: any RelayConnector, options: Options,
                report: @escaping @Sendable (String) -> Void,
                onEvent: @escaping @Sendable (SessionEvent) -> Void = { _ in },
                onCaption: @escaping @Sendable (Sent) -> Void = { _ in }) throws(RecognizerError) {
        precondition(options.engines >= 1)
        var slots: [EngineSlot] = []
        for i in 0..<options.engines { slots.append(EngineSlot(index: i, engine: try options.recognizer.makeEngine())) }
        self.slots = slots
        self.options = options
        self.room = config.room
        self.report = report
        self.onCaption = onCaption
        state = Mutex(State(schedule: RecognitionSchedule(engines: options.engines,
                                                           maxWaitingSamples: options.backlogSeconds * Self.sampleRate)))
        let queue = self.queue
        let box = WeakScribe()
        session = ClientSession(config: config, connector: connector, handlers: .init(
            event: { event in
                switch event {
                case .talkStopped(let m), .memberLeft(let m):
                    let now = MonotonicClock.now()
                    queue.async { box.scribe?.handle { $0.tracker.stopped(id: m.id, now: now) } }
                case .disconnected, .ended:
                    let now = MonotonicClock.now()
                    queue.async { box.scribe?.handle { $0.tracker.endAll(now: now) } }
                default:
                    break
                }
                onEvent(event)
            },
            play: { frame in
                let now = MonotonicClock.now()
                queue.async {
                    box.scribe?.handle { $0.tracker.frame(source: frame.source, seq: frame.seq, flags: frame.flags, payload: frame.payload, now: now) }
                }
            }))
        timer = DispatchSource.makeTimerSource(queue: queue)
        box.scribe = self
        timer.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(100), leeway: .milliseconds(20))
        timer.setEventHandler { box.scribe?.handle { $0.tracker.tick(now: MonotonicClock.now()) } }
        timer.activate()
    }

    /// Joins and runs until the session ends; then finishes what is being recognized.
    public func run() async -> SessionCore.EndReason {
        let reason = await session.run()
        timer.cancel()
        drain()
        return reason
    }

    public func quit() { session.quit() }

    /// What the scribe did so far.
    public var counts: Counts { state.withLock { $0.counts } }

    /// Waits until every spurt heard has been recognized and its caption sent (or dropped).
    func drain() {
        for _ in 0..<600 {
            let idle = queue.sync { state.withLock { $0.spurts.isEmpty } }
            if idle { break }
            MonotonicClock.sleep(nanos: 50_000_000)
        }
        options.transcripts?.flush()
    }

    // MARK: On the scribe's queue

    func handle(_ input: (inout State) -> [SpurtTracker.Event]) {
        dispatchPrecondition(condition: .onQueue(queue))
        let events = state.withLock { input(&$0) }
        for event in events { apply(event) }
    }

    func apply(_ event: SpurtTracker.Event) {
        switch event {
        case .started(let id, let spurt, let at):
            let name = session.snapshot.roster[id]?.name ?? "#\(id)"
            let actions = state.withLock { s -> [RecognitionSchedule.Action] in
                s.counts.spurts += 1
                s.spurts[spurt] = SpurtInfo(id: id, name: name, startWall: wallNanos() - Int64(MonotonicClock.now() &- at), startMono: at)
                if s.decoders[id] == nil { s.decoders[id] = try? OpusDecoder(sampleRate: Self.sampleRate) } else { try? s.decoders[id]?.reset() }
                return s.schedule.started(spurt: spurt)
            }
            perform(actions)
        case .audio(let id, let spurt, let payload, let lost):
            let actions = state.withLock { s -> [RecognitionSchedule.Action] in
                guard let decoder = s.decoders[id] else { return [] }
                var samples: [Int16] = []
                let frame = s.frameSamples[id] ?? Self.sampleRate / 50
                for _ in 0..<lost { samples += (try? decoder.conceal(samples: frame)) ?? [] }
                if let decoded = try? decoder.decode(payload) {
                    s.frameSamples[id] = decoded.count
                    samples += decoded
                }
                guard !samples.isEmpty else { return [] }
                s.spurts[spurt]?.samples += samples.count
                return s.schedule.audio(spurt: spurt, samples: samples)
            }
            perform(actions)
        case .ended(_, let spurt, let at):
            let actions = state.withLock { s -> [RecognitionSchedule.Action] in
                s.spurts[spurt]?.endMono = at
                return s.schedule.ended(spurt: spurt)
            }
            perform(actions)
        }
    }

    func perform(_ actions: [RecognitionSchedule.Action]) {
        for action in actions {
            switch action {
            case .begin(let engine, let spurt):
                slots[engine].queue.async { self.slots[engine].begin(spurt: spurt) }
            case .feed(let engine, let spurt, let samples):
                let partialEvery = options.partialEvery.map { Int($0 / 1_000_000) * Self.sampleRate / 1000 }
                slots[engine].queue.async {
                    let slot = self.slots[engine]
                    slot.feed(samples)
                    guard let partialEvery, slot.fedSinceAsked >= partialEvery else { return }
                    slot.fedSinceAsked = 0
                    guard let text = slot.engine.partial(), !text.isEmpty else { return }
                    self.queue.async { self.partial(spurt: spurt, text: text) }
                }
            case .finish(let engine, let spurt):
                slots[engine].queue.async {
                    let result = self.slots[engine].finish()
                    self.queue.async {
                        self.finished(spurt: spurt, result: result)
                        self.perform(self.state.withLock { $0.schedule.done(engine: engine) })
                    }
                }
            case .dropped(let spurt, let samples):
                let info = state.withLock { s -> SpurtInfo? in
                    s.counts.dropped += 1
                    return s.spurts.removeValue(forKey: spurt)
                }
                let seconds = Double(samples) / Double(Self.sampleRate)
                report("recognizer backlog full (\(options.backlogSeconds) s of audio waiting): \(info?.name ?? "a member")'s spurt of \(Self.format(seconds)) s was not recognized")
            }
        }
    }

    func partial(spurt: Int, text: String) {
        guard let info = state.withLock({ s -> SpurtInfo? in
            guard let info = s.spurts[spurt], info.endMono == nil, info.lastPartial != text else { return nil }
            s.spurts[spurt]?.lastPartial = text
            return info
        }) else { return }
        session.caption(about: info.id, name: info.name, text: text, final: false)
    }

    func finished(spurt: Int, result: EngineSlot.Outcome) {
        guard let info = state.withLock({ $0.spurts.removeValue(forKey: spurt) }) else { return }
        let speech = Double(info.samples) / Double(Self.sampleRate)
        let text: String
        switch result.text {
        case .failure(let error):
            state.withLock { $0.counts.failed += 1 }
            report("recognizer: \(error.message); \(info.name)'s spurt of \(Self.format(speech)) s was skipped")
            return
        case .success(let t):
            text = t
        }
        state.withLock { s in
            s.counts.speechSeconds += speech
            s.counts.engineSeconds += Double(result.busy) / 1e9
            if text.isEmpty { s.counts.empty += 1 } else { s.counts.captions += 1 }
        }
        guard !text.isEmpty else { return }
        let now = MonotonicClock.now()
        session.caption(about: info.id, name: info.name, text: text, final: true)
        let caption = CaptionMessage(from: session.snapshot.myID, about: info.id, name: info.name, text: text, final: true)
        onCaption(Sent(caption: caption, afterEnd: now &- (info.endMono ?? now)))
        if let transcripts = options.transcripts {
            let endWall = info.startWall + Int64((info.endMono ?? now) &- info.startMono)
            let start = UTCTime(wallNanos: info.startWall)
            transcripts.append(TranscriptLine(room: room, id: info.id, name: info.name, start: start.iso8601,
                                              end: UTCTime(wallNanos: endWall).iso8601, text: CaptionMessage.fitted(text),
                                              recognizer: slots[0].engine.name),
                               date: start.date)
        }
    }

    static func format(_ seconds: Double) -> String {
        let tenths = Int((seconds * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}

/// The scribe, reachable from the session's handlers without a reference cycle.
final class WeakScribe: @unchecked Sendable {
    weak var scribe: Scribe?
}

/// One engine and the queue it runs on. Its fields are touched only on that queue.
final class EngineSlot: @unchecked Sendable {
    struct Outcome {
        var text: Result<String, RecognizerError>
        /// Nanoseconds the engine spent on this spurt.
        var busy: UInt64
    }

    let engine: any RecognitionEngine
    let queue: DispatchQueue
    var failure: RecognizerError?
    var busy: UInt64 = 0
    var fedSinceAsked = 0

    init(index: Int, engine: any RecognitionEngine) {
        self.engine = engine
        queue = DispatchQueue(label: "ptt.scribe.engine\(index)")
    }

    func begin(spurt: Int) {
        failure = nil
        busy = 0
        fedSinceAsked = 0
        timed { () throws(RecognizerError) in try engine.begin() }
    }

    func feed(_ samples: [Int16]) {
        guard failure == nil else { return }
        fedSinceAsked += samples.count
        timed { () throws(RecognizerError) in try engine.feed(samples) }
    }

    func finish() -> Outcome {
        if let failure { return Outcome(text: .failure(failure), busy: busy) }
        var text = ""
        timed { () throws(RecognizerError) in text = try engine.finish() }
        if let failure { return Outcome(text: .failure(failure), busy: busy) }
        return Outcome(text: .success(text), busy: busy)
    }

    private func timed(_ body: () throws(RecognizerError) -> Void) {
        let start = MonotonicClock.now()
        do { try body() } catch { failure = error }
        busy &+= MonotonicClock.now() &- start
    }
}
