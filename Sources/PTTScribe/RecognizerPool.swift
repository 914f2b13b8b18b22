import Dispatch
import PTTScribeCore
import PTTSystem
import Synchronization

/// Recognizer engines shared by every scribe of a process (one for `ptt scribe`, one per room
/// when a relay hosts captions): at most `engines` spurts are recognized at once, whatever the
/// number of rooms, and the audio waiting for an engine is bounded (`RecognitionSchedule`).
///
/// Callers hand in a spurt's start, audio and end from any thread; the schedule lives on the
/// pool's serial queue, each engine on its own. A spurt's results go to the `Listener` given at
/// its start, on the pool's queue (listeners hop to their own queue).
public final class RecognizerPool: Sendable {
    /// Where a spurt's results go.
    public struct Listener: Sendable {
        public var partial: @Sendable (String) -> Void
        public var finished: @Sendable (Outcome) -> Void
        /// The backlog was full: the spurt is not recognized (`samples` of it were heard).
        public var dropped: @Sendable (_ samples: Int) -> Void

        public init(partial: @escaping @Sendable (String) -> Void, finished: @escaping @Sendable (Outcome) -> Void,
                    dropped: @escaping @Sendable (Int) -> Void) {
            self.partial = partial
            self.finished = finished
            self.dropped = dropped
        }
    }

    /// A spurt's text (or why there is none) and the engine time it took.
    public struct Outcome: Sendable {
        public var text: Result<String, RecognizerError>
        public var busyNanos: UInt64
    }

    static let sampleRate = 16_000
    public let recognizerName: String
    public let backlogSeconds: Int
    let partialEvery: Int?
    let slots: [EngineSlot]
    let queue = DispatchQueue(label: "ptt.scribe.pool")
    struct State {
        var schedule: RecognitionSchedule
        var listeners: [Int: Listener] = [:]
    }
    let state: Mutex<State>
    let nextKey = Atomic<Int>(1)

    /// Makes every engine now: a missing model is an error at start, not at the first spurt.
    /// `partialEvery`: nanoseconds of audio between partial captions (nil: none).
    public init(recognizer: RecognizerChoice, engines: Int, backlogSeconds: Int = 120, partialEvery: UInt64? = nil) throws(RecognizerError) {
        precondition(engines >= 1, "a pool needs an engine")
        var slots: [EngineSlot] = []
        for i in 0..<engines { slots.append(EngineSlot(index: i, engine: try recognizer.makeEngine())) }
        self.slots = slots
        recognizerName = recognizer.name
        self.backlogSeconds = backlogSeconds
        self.partialEvery = partialEvery.map { Int($0 / 1_000_000) * Self.sampleRate / 1000 }
        state = Mutex(State(schedule: RecognitionSchedule(engines: engines, maxWaitingSamples: backlogSeconds * Self.sampleRate)))
    }

    /// A key for a new spurt.
    public func newKey() -> Int { nextKey.wrappingAdd(1, ordering: .relaxed).oldValue }

    public func started(_ key: Int, listener: Listener) {
        queue.async {
            let actions = self.state.withLock { s in
                s.listeners[key] = listener
                return s.schedule.started(spurt: key)
            }
            self.perform(actions)
        }
    }

    /// 16 kHz mono samples of the spurt, in order.
    public func audio(_ key: Int, _ samples: [Int16]) {
        queue.async { self.perform(self.state.withLock { $0.schedule.audio(spurt: key, samples: samples) }) }
    }

    public func ended(_ key: Int) {
        queue.async { self.perform(self.state.withLock { $0.schedule.ended(spurt: key) }) }
    }

    /// Spurts dropped for a full backlog so far.
    public var droppedCount: Int { state.withLock { $0.schedule.droppedCount } }

    // MARK: On the pool's queue

    func perform(_ actions: [RecognitionSchedule.Action]) {
        for action in actions {
            switch action {
            case .begin(let engine, _):
                let slot = slots[engine]
                slot.queue.async { slot.begin() }
            case .feed(let engine, let key, let samples):
                let slot = slots[engine]
                let partialEvery = self.partialEvery
                slot.queue.async {
                    slot.feed(samples)
                    guard let partialEvery, slot.fedSinceAsked >= partialEvery else { return }
                    slot.fedSinceAsked = 0
                    guard let text = slot.engine.partial(), !text.isEmpty else { return }
                    self.queue.async { self.state.withLock { $0.listeners[key] }?.partial(text) }
                }
            case .finish(let engine, let key):
                let slot = slots[engine]
                slot.queue.async {
                    let outcome = slot.finish()
                    self.queue.async {
                        let listener = self.state.withLock { $0.listeners.removeValue(forKey: key) }
                        listener?.finished(outcome)
                        self.perform(self.state.withLock { $0.schedule.done(engine: engine) })
                    }
                }
            case .dropped(let key, let samples):
                state.withLock { $0.listeners.removeValue(forKey: key) }?.dropped(samples)
            }
        }
    }
}

/// One engine and the queue it runs on. Its fields are touched only on that queue.
final class EngineSlot: @unchecked Sendable {
    let engine: any RecognitionEngine
    let queue: DispatchQueue
    var failure: RecognizerError?
    var busy: UInt64 = 0
    var fedSinceAsked = 0

    init(index: Int, engine: any RecognitionEngine) {
        self.engine = engine
        queue = DispatchQueue(label: "ptt.scribe.engine\(index)")
    }

    func begin() {
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

    func finish() -> RecognizerPool.Outcome {
        if let failure { return .init(text: .failure(failure), busyNanos: busy) }
        var text = ""
        timed { () throws(RecognizerError) in text = try engine.finish() }
        if let failure { return .init(text: .failure(failure), busyNanos: busy) }
        return .init(text: .success(text), busyNanos: busy)
    }

    private func timed(_ body: () throws(RecognizerError) -> Void) {
        let start = MonotonicClock.now()
        do { try body() } catch { failure = error }
        busy &+= MonotonicClock.now() &- start
    }
}
