/// Which recognizer engine takes which spurt.
///
/// Each engine recognizes one spurt at a time, fed while the spurt goes on, so a final caption
/// needs only the recognizer's closing work once the spurt ends. A spurt that starts while every
/// engine is busy waits, its audio kept, and is fed whole when an engine frees. What waits is
/// bounded (`maxWaitingSamples` in all): a spurt whose audio would go past it is dropped, said
/// by `.dropped`, and its further audio ignored. Engines are numbered 0..<engines.
public struct RecognitionSchedule: Sendable {
    public enum Action: Equatable, Sendable {
        /// Start an utterance on the engine.
        case begin(engine: Int, spurt: Int)
        case feed(engine: Int, spurt: Int, samples: [Int16])
        /// End the utterance and deliver the spurt's text; then call `done(engine:)`.
        case finish(engine: Int, spurt: Int)
        /// The backlog is full: the spurt is not recognized; `samples` of it were heard.
        case dropped(spurt: Int, samples: Int)
    }

    struct Waiting: Sendable {
        var spurt: Int
        var chunks: [[Int16]] = []
        var samples = 0
        var ended = false
    }

    public let engines: Int
    public let maxWaitingSamples: Int
    var free: [Int]
    var running: [Int: Int] = [:] // spurt → engine
    var waiting: [Waiting] = []
    var waitingSamples = 0
    var dropped: [Int: Int] = [:] // spurt → samples heard
    /// Spurts dropped for a full backlog since the start.
    public private(set) var droppedCount = 0

    public init(engines: Int, maxWaitingSamples: Int) {
        precondition(engines >= 1, "a schedule needs an engine")
        self.engines = engines
        self.maxWaitingSamples = maxWaitingSamples
        free = Array((0..<engines).reversed())
    }

    /// Spurts waiting for an engine.
    public var backlog: Int { waiting.count }
    /// Engines recognizing a spurt now.
    public var busy: Int { engines - free.count }

    public mutating func started(spurt: Int) -> [Action] {
        if let engine = free.popLast() {
            running[spurt] = engine
            return [.begin(engine: engine, spurt: spurt)]
        }
        waiting.append(Waiting(spurt: spurt))
        return []
    }

    public mutating func audio(spurt: Int, samples: [Int16]) -> [Action] {
        if let engine = running[spurt] { return [.feed(engine: engine, spurt: spurt, samples: samples)] }
        if dropped[spurt] != nil {
            dropped[spurt, default: 0] += samples.count
            return []
        }
        guard let i = waiting.firstIndex(where: { $0.spurt == spurt }) else { return [] }
        if waitingSamples + samples.count > maxWaitingSamples {
            let w = waiting.remove(at: i)
            waitingSamples -= w.samples
            droppedCount += 1
            if w.ended { return [.dropped(spurt: spurt, samples: w.samples + samples.count)] }
            dropped[spurt] = w.samples + samples.count
            return []
        }
        waiting[i].chunks.append(samples)
        waiting[i].samples += samples.count
        waitingSamples += samples.count
        return []
    }

    public mutating func ended(spurt: Int) -> [Action] {
        if let engine = running.removeValue(forKey: spurt) {
            // The engine stays busy until `done(engine:)`.
            return [.finish(engine: engine, spurt: spurt)]
        }
        if let heard = dropped.removeValue(forKey: spurt) { return [.dropped(spurt: spurt, samples: heard)] }
        if let i = waiting.firstIndex(where: { $0.spurt == spurt }) { waiting[i].ended = true }
        return []
    }

    /// The engine finished its spurt: it takes the oldest waiting one.
    public mutating func done(engine: Int) -> [Action] {
        guard !waiting.isEmpty else {
            free.append(engine)
            return []
        }
        let w = waiting.removeFirst()
        waitingSamples -= w.samples
        var actions: [Action] = [.begin(engine: engine, spurt: w.spurt)]
        actions += w.chunks.map { .feed(engine: engine, spurt: w.spurt, samples: $0) }
        if w.ended {
            actions.append(.finish(engine: engine, spurt: w.spurt))
        } else {
            running[w.spurt] = engine
        }
        return actions
    }
}
