import PTTProtocol

/// The relay's outbound queue for one member (PROTOCOL.md §5 "Slow receivers").
///
/// Audio is bounded in time, about 200 ms read from each Opus packet's TOC byte (20 ms for
/// any other kind, so 10 such frames): beyond that the oldest audio is dropped, never a
/// control message. Control messages are bounded in count and bytes; overflowing them, or
/// having to drop audio continuously for 10 seconds, means the member is too slow (4408).
/// Messages leave in the order they were queued. The payload type is the adapter's
/// (a byte buffer); time is passed in as nanoseconds.
public struct SendQueue<Payload: Sendable>: Sendable {
    public typealias Limits = SendQueueLimits

    public enum Kind: Equatable, Sendable {
        case audio
        case control
    }

    /// What queuing one message led to.
    public enum EnqueueResult: Equatable, Sendable {
        /// Queued; `dropped` older audio frames made room for it.
        case queued(dropped: Int)
        /// The member cannot keep up: close it with 4408. Nothing was queued.
        case tooSlow
    }

    private struct Entry: Sendable {
        var order: UInt64
        var payload: Payload
        var weight: Int
    }

    public let limits: Limits
    private var audio = FIFO<Entry>()
    private var control = FIFO<Entry>()
    private var nextOrder: UInt64 = 0
    /// Microseconds of audio queued.
    public private(set) var audioMicros = 0
    /// Bytes of control messages queued.
    public private(set) var controlBytes = 0
    /// Audio frames dropped over the queue's life.
    public private(set) var droppedFrames = 0
    /// When the current run of dropping began, if audio is being dropped.
    public private(set) var droppingSince: UInt64?
    private var lastDrop: UInt64 = 0

    public init(limits: Limits = Limits()) { self.limits = limits }

    public var count: Int { audio.count + control.count }
    public var isEmpty: Bool { audio.isEmpty && control.isEmpty }

    /// The weight of an encoded binary message in the audio budget: its Opus duration for
    /// kind 1 with a readable TOC, otherwise `limits.unknownFrameMicros`.
    public func weight(ofFrame bytes: some Collection<UInt8>) -> Int { limits.weight(ofFrame: bytes) }

    /// Queues one audio frame of `micros` duration, dropping the oldest audio beyond the budget.
    public mutating func enqueueAudio(_ payload: Payload, micros: Int, now: UInt64) -> EnqueueResult {
        audio.append(Entry(order: nextOrder, payload: payload, weight: micros))
        nextOrder += 1
        audioMicros += micros
        var dropped = 0
        // Always keep the newest frame, whatever its length.
        while audioMicros > limits.audioMicros, audio.count > 1, let old = audio.popFirst() {
            audioMicros -= old.weight
            dropped += 1
        }
        guard dropped > 0 else { return .queued(dropped: 0) }
        droppedFrames += dropped
        if let since = droppingSince, elapsed(from: lastDrop, to: now) <= limits.dropGap {
            lastDrop = now
            if elapsed(from: since, to: now) >= limits.tooSlowAfter { return .tooSlow }
        } else {
            droppingSince = now
            lastDrop = now
        }
        return .queued(dropped: dropped)
    }

    /// Queues one control message of `bytes` bytes; never dropped, so overflow means too slow.
    public mutating func enqueueControl(_ payload: Payload, bytes: Int) -> EnqueueResult {
        guard control.count < limits.controlMessages, controlBytes + bytes <= limits.controlBytes else { return .tooSlow }
        control.append(Entry(order: nextOrder, payload: payload, weight: bytes))
        nextOrder += 1
        controlBytes += bytes
        return .queued(dropped: 0)
    }

    /// The oldest queued message.
    public mutating func dequeue() -> (kind: Kind, payload: Payload)? {
        let takeAudio: Bool
        switch (audio.first, control.first) {
        case (nil, nil): return nil
        case (.some, nil): takeAudio = true
        case (nil, .some): takeAudio = false
        case (let a?, let c?): takeAudio = a.order < c.order
        }
        if takeAudio, let e = audio.popFirst() {
            audioMicros -= e.weight
            if audio.isEmpty { droppingSince = nil }
            return (.audio, e.payload)
        }
        if let e = control.popFirst() {
            controlBytes -= e.weight
            return (.control, e.payload)
        }
        return nil
    }

    /// Empties the queue (the connection is closing).
    public mutating func removeAll() {
        audio.removeAll()
        control.removeAll()
        audioMicros = 0
        controlBytes = 0
        droppingSince = nil
    }
}

/// The bounds of a `SendQueue`.
public struct SendQueueLimits: Equatable, Sendable {
    /// Audio held before the oldest is dropped, in microseconds.
    public var audioMicros: Int = 200_000
    /// The weight of a frame whose duration cannot be read (other kinds, bad TOC).
    public var unknownFrameMicros: Int = 20_000
    /// Control messages held before the member counts as too slow.
    public var controlMessages: Int = 256
    /// Control bytes held before the member counts as too slow.
    public var controlBytes: Int = 256 << 10
    /// How long audio may be dropped continuously before the member counts as too slow.
    public var tooSlowAfter: UInt64 = 10_000_000_000
    /// Drops further apart than this start a new run of dropping.
    public var dropGap: UInt64 = 1_000_000_000

    public init() {}

    /// The weight of an encoded binary message in the audio budget: its Opus duration for
    /// kind 1 with a readable TOC, otherwise `unknownFrameMicros`.
    public func weight(ofFrame bytes: some Collection<UInt8>) -> Int {
        if bytes.count > AudioFrame.headerSize, bytes.first == AudioFrame.Kind.opus.rawValue,
           let micros = OpusPacket.durationMicros(bytes.dropFirst(AudioFrame.headerSize)), micros > 0 {
            return micros
        }
        return unknownFrameMicros
    }
}
