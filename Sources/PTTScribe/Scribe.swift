import Dispatch
import PTTAudio
import PTTClient
import PTTProtocol
import PTTScribeCore
import PTTSessionCore
import PTTSystem
import Synchronization

/// A scribe in one room: listens, recognizes each member's spurts (through a shared
/// `RecognizerPool`), sends a `caption` per spurt and appends it to the transcripts.
///
/// Frames and roster events arrive on the session's threads and are handed to one serial queue,
/// where the tracker and one Opus decoder per speaker live; results come back from the pool to
/// that queue.
public final class Scribe: Sendable {
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
    let pool: RecognizerPool
    let transcripts: TranscriptWriter?
    let queue = DispatchQueue(label: "ptt.scribe")
    let state = Mutex(State())
    let report: @Sendable (String) -> Void
    let onCaption: @Sendable (Sent) -> Void
    /// This scribe, for the pool's callbacks, without a reference cycle.
    let weakSelf = WeakScribe()
    /// Ticks the tracker (ends silent spurts); a dispatch source is safe from any thread.
    nonisolated(unsafe) let timer: any DispatchSourceTimer

    struct SpurtInfo {
        var key: Int
        var id: UInt32
        var name: String
        var startWall: Int64
        var startMono: UInt64
        var endMono: UInt64?
        var samples = 0
        var lastPartial = ""
    }

    struct State: @unchecked Sendable {
        var tracker = SpurtTracker()
        /// One per speaker heard, reset for each spurt (used on the scribe's queue only).
        var decoders: [UInt32: OpusDecoder] = [:]
        var frameSamples: [UInt32: Int] = [:]
        var spurts: [Int: SpurtInfo] = [:]
        var counts = Counts()
        /// Leave once every spurt heard is captioned (`quitWhenDone`).
        var leaving = false
    }

    public init(config: SessionCore.Configuration, connector: any RelayConnector, pool: RecognizerPool,
                transcripts: TranscriptWriter? = nil,
                report: @escaping @Sendable (String) -> Void,
                onEvent: @escaping @Sendable (SessionEvent) -> Void = { _ in },
                onCaption: @escaping @Sendable (Sent) -> Void = { _ in }) {
        self.pool = pool
        self.transcripts = transcripts
        self.room = config.room
        self.report = report
        self.onCaption = onCaption
        let queue = self.queue
        let box = weakSelf
        session = ClientSession(config: config, connector: connector, handlers: .init(
            event: { event in
                switch event {
                case .talkStopped(let m):
                    let now = MonotonicClock.now()
                    queue.async { box.scribe?.handle { $0.tracker.talkOff(id: m.id, now: now); return [] } }
                case .memberLeft(let m):
                    queue.async { box.scribe?.handle { $0.tracker.left(id: m.id) } }
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

    /// Joins and runs until the session ends; then waits (up to 30 s) for the spurts heard to
    /// be recognized and captioned.
    public func run() async -> SessionCore.EndReason {
        let reason = await session.run()
        timer.cancel()
        drain()
        return reason
    }

    public func quit() { session.quit() }

    /// Leaves once every spurt heard so far has its caption (at once when there is none), so the
    /// last words before a room empties still reach whoever stays. `stay()` takes it back.
    public func quitWhenDone() {
        queue.async {
            self.state.withLock { $0.leaving = true }
            self.leaveIfDone()
        }
    }

    /// Someone may talk again: the scribe stays.
    public func stay() { queue.async { self.state.withLock { $0.leaving = false } } }

    func leaveIfDone() {
        if state.withLock({ $0.leaving && $0.spurts.isEmpty && $0.tracker.speaking == 0 }) { session.quit() }
    }

    /// What the scribe did so far.
    public var counts: Counts { state.withLock { $0.counts } }

    func drain() {
        for _ in 0..<600 {
            if queue.sync(execute: { state.withLock { $0.spurts.isEmpty } }) { break }
            MonotonicClock.sleep(nanos: 50_000_000)
        }
        transcripts?.flush()
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
            let key = pool.newKey()
            state.withLock { s in
                s.counts.spurts += 1
                s.spurts[spurt] = SpurtInfo(key: key, id: id, name: name, startWall: wallNanos() - Int64(MonotonicClock.now() &- at), startMono: at)
                if s.decoders[id] == nil { s.decoders[id] = try? OpusDecoder(sampleRate: Self.sampleRate) } else { try? s.decoders[id]?.reset() }
            }
            let queue = self.queue
            let box = weakSelf
            pool.started(key, listener: .init(
                partial: { text in queue.async { box.scribe?.partial(spurt: spurt, text: text) } },
                finished: { outcome in queue.async { box.scribe?.finished(spurt: spurt, outcome: outcome) } },
                dropped: { samples in queue.async { box.scribe?.dropped(spurt: spurt, samples: samples) } }))
        case .audio(let id, let spurt, let payload, let lost):
            let decoded = state.withLock { s -> (Int, [Int16])? in
                guard let decoder = s.decoders[id], let key = s.spurts[spurt]?.key else { return nil }
                var samples: [Int16] = []
                let frame = s.frameSamples[id] ?? Self.sampleRate / 50
                for _ in 0..<lost { samples += (try? decoder.conceal(samples: frame)) ?? [] }
                if let pcm = try? decoder.decode(payload) {
                    s.frameSamples[id] = pcm.count
                    samples += pcm
                }
                s.spurts[spurt]?.samples += samples.count
                return (key, samples)
            }
            if let (key, samples) = decoded, !samples.isEmpty { pool.audio(key, samples) }
        case .ended(_, let spurt, let at):
            let key = state.withLock { s -> Int? in
                s.spurts[spurt]?.endMono = at
                return s.spurts[spurt]?.key
            }
            if let key { pool.ended(key) }
        }
    }

    func dropped(spurt: Int, samples: Int) {
        guard let info = state.withLock({ s -> SpurtInfo? in
            s.counts.dropped += 1
            return s.spurts.removeValue(forKey: spurt)
        }) else { return }
        let seconds = Double(samples) / Double(Self.sampleRate)
        report("recognizer backlog full (\(pool.backlogSeconds) s of audio waiting): \(info.name)'s spurt of \(Self.format(seconds)) s in \(room) was not recognized")
        leaveIfDone()
    }

    func partial(spurt: Int, text: String) {
        guard let info = state.withLock({ s -> SpurtInfo? in
            guard let info = s.spurts[spurt], info.endMono == nil, info.lastPartial != text else { return nil }
            s.spurts[spurt]?.lastPartial = text
            return info
        }) else { return }
        session.caption(about: info.id, name: info.name, text: text, final: false)
    }

    func finished(spurt: Int, outcome: RecognizerPool.Outcome) {
        guard let info = state.withLock({ $0.spurts.removeValue(forKey: spurt) }) else { return }
        defer { leaveIfDone() }
        let speech = Double(info.samples) / Double(Self.sampleRate)
        let text: String
        switch outcome.text {
        case .failure(let error):
            state.withLock { $0.counts.failed += 1 }
            report("recognizer: \(error.message); \(info.name)'s spurt of \(Self.format(speech)) s in \(room) was skipped")
            return
        case .success(let t):
            text = t
        }
        state.withLock { s in
            s.counts.speechSeconds += speech
            s.counts.engineSeconds += Double(outcome.busyNanos) / 1e9
            if text.isEmpty { s.counts.empty += 1 } else { s.counts.captions += 1 }
        }
        guard !text.isEmpty else { return }
        let now = MonotonicClock.now()
        session.caption(about: info.id, name: info.name, text: text, final: true)
        let caption = CaptionMessage(from: session.snapshot.myID, about: info.id, name: info.name, text: text, final: true)
        onCaption(Sent(caption: caption, afterEnd: now &- (info.endMono ?? now)))
        if let transcripts {
            let endWall = info.startWall + Int64((info.endMono ?? now) &- info.startMono)
            let start = UTCTime(wallNanos: info.startWall)
            transcripts.append(TranscriptLine(room: room, id: info.id, name: info.name, start: start.iso8601,
                                              end: UTCTime(wallNanos: endWall).iso8601, text: CaptionMessage.fitted(text),
                                              recognizer: pool.recognizerName),
                               date: start.date)
        }
    }

    static func format(_ seconds: Double) -> String {
        let tenths = Int((seconds * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}

/// The scribe, reachable from handlers without a reference cycle.
final class WeakScribe: @unchecked Sendable {
    weak var scribe: Scribe?
}
