import PTTProtocol

/// Why the relay closes a connection: the code, the `error` word sent before it (if the code
/// has one, PROTOCOL.md §4), and a text for people.
public struct CloseReason: Equatable, Sendable, CustomStringConvertible {
    public var code: CloseCode
    public var word: String?
    public var text: String

    public init(_ code: CloseCode, word: String? = nil, _ text: String) {
        self.code = code
        self.word = word ?? code.errorWord
        self.text = text
    }

    /// The `error` message to send before closing, if the code has a word.
    public var errorMessage: ControlMessage? {
        word.map { .error(code: $0, text: text) }
    }

    public var description: String { "\(code.rawValue) \(word ?? "-"): \(text)" }

    public static let shutdown = CloseReason(.goingAway, "the relay is shutting down")
    public static let rateLimit = CloseReason(.policyViolation, word: "rate-limit", "too many messages")
    /// Over the rate of all connections from one address together (`AddressLimits`).
    public static let addressRateLimit = CloseReason(.policyViolation, word: "rate-limit", "too many messages from this address")
    public static let tooSlow = CloseReason(.tooSlow, "this connection could not keep up with the room")
    public static let idle = CloseReason(.idle, "nothing arrived for too long")
    public static let noHello = CloseReason(.badHello, "no hello in time")
    public static let roomFull = CloseReason(.roomFull, "the room is full")

    /// 4409: another member of `room` has that name (or one that looks the same).
    public static func nameTaken(_ name: String, room: String, suggestion: String) -> CloseReason {
        CloseReason(.nameTaken, "the name \"\(name)\" is taken in room \"\(room)\": choose another, such as \"\(suggestion)\"")
    }
}

/// The per-connection rules of a ptt relay (PROTOCOL.md §1, §5): size limits, the check order
/// for text, rates, the hello and idle timeouts, keepalive pings. A value type: the relay's
/// connection task feeds it messages and the time, and carries out what it returns.
public struct RelayConnection: Sendable {
    public struct Limits: Equatable, Sendable {
        public var helloTimeout: UInt64 = 10_000_000_000
        public var idleTimeout: UInt64 = 45_000_000_000
        public var pingInterval: UInt64 = 15_000_000_000
        /// While audio goes to the member, a ping at least this often: its pong shows that the
        /// member reads what it is sent.
        public var listeningPingInterval: UInt64 = 1_000_000_000
        /// A ping unanswered this long means the member stopped reading (PROTOCOL.md §5, slow
        /// receivers): audio for it is dropped until the pong comes, rather than piling up in
        /// the socket buffers (megabytes, behind the relay's 200 ms queue) to reach it late.
        public var pongGrace: UInt64 = 2_000_000_000
        /// Binary messages per second, and burst (§5 guarantees at least 100 and 200).
        public var binaryRate = 200
        public var binaryBurst = 400
        /// Text messages per second, and burst (§5 guarantees at least 20 and 40).
        public var textRate = 40
        public var textBurst = 80
        public init() {}
    }

    public enum Phase: Equatable, Sendable {
        case awaitingHello
        case member(UInt32)
        case closed
    }

    /// What to do with one text message.
    public enum TextDecision: Equatable, Sendable {
        case drop
        /// A valid hello: admit the connection to its room (or refuse it: 4413).
        case hello(Hello)
        /// A member's message for its room.
        case message(InboundText)
        case close(CloseReason)
    }

    /// What to do with one binary message.
    public enum BinaryDecision: Equatable, Sendable {
        case drop
        /// A member's frame for its room, with its flags.
        case audio(AudioFrame.Flags)
        case close(CloseReason)
    }

    /// Whether audio for the member goes out.
    public enum AudioDecision: Equatable, Sendable {
        case send
        /// It has not answered a ping for `pongGrace`: it is not reading. Dropped since `since`.
        case drop(since: UInt64)
    }

    /// What time alone asks for.
    public enum TickAction: Equatable, Sendable {
        case none
        /// Send a WebSocket ping.
        case ping
        case close(CloseReason)
    }

    public let limits: Limits
    public private(set) var phase: Phase = .awaitingHello
    private let openedAt: UInt64
    private var lastInbound: UInt64
    private var nextPing: UInt64
    /// The oldest ping not answered yet, and when the last ping went out.
    private var pingUnanswered: UInt64?
    private var lastPing: UInt64
    /// When audio last went to the member, and since when it has been dropped (not reading).
    private var lastAudioOut: UInt64?
    private var droppingSince: UInt64?
    private var binaryBucket: TokenBucket
    private var textBucket: TokenBucket
    /// WebSocket pings and pongs from the client, at the text rate: each costs a reply or a
    /// wake-up, and unlike messages they were not counted at all.
    private var controlBucket: TokenBucket

    public init(now: UInt64, limits: Limits = Limits()) {
        self.limits = limits
        openedAt = now
        lastInbound = now
        nextPing = now &+ limits.pingInterval
        lastPing = now
        binaryBucket = TokenBucket(rate: limits.binaryRate, burst: limits.binaryBurst, now: now)
        textBucket = TokenBucket(rate: limits.textRate, burst: limits.textBurst, now: now)
        controlBucket = TokenBucket(rate: limits.textRate, burst: limits.textBurst, now: now)
    }

    /// A ping or pong frame from the client. False when over the rate: close with `rateLimit`.
    public mutating func receiveControl(now: UInt64) -> Bool {
        guard phase != .closed else { return true }
        heard(now: now)
        return controlBucket.take(now: now)
    }

    /// A pong from the client: it has read everything sent before the ping it answers.
    /// False when over the rate: close with `rateLimit`.
    public mutating func receivePong(now: UInt64) -> Bool {
        guard phase != .closed else { return true }
        pingUnanswered = nil
        droppingSince = nil
        return receiveControl(now: now)
    }

    /// Audio is about to go to the member at `now`: send it, or drop it because the member has
    /// not answered a ping for `pongGrace` (it is not reading).
    public mutating func audioOut(now: UInt64) -> AudioDecision {
        lastAudioOut = now
        guard let asked = pingUnanswered, elapsed(from: asked, to: now) >= limits.pongGrace else { return .send }
        let since = droppingSince ?? now
        droppingSince = since
        return .drop(since: since)
    }

    /// The id the room assigned, once welcomed.
    public var memberID: UInt32? {
        if case .member(let id) = phase { return id } else { return nil }
    }

    /// The connection was welcomed with `id`.
    public mutating func welcomed(id: UInt32) { if phase == .awaitingHello { phase = .member(id) } }

    /// The connection is closing: nothing more is processed.
    public mutating func closed() { phase = .closed }

    /// Something arrived (any frame, including WebSocket pings and pongs) at `now`.
    public mutating func heard(now: UInt64) { lastInbound = max(lastInbound, now) }

    public mutating func receiveText(_ bytes: some Collection<UInt8>, now: UInt64) -> TextDecision {
        guard phase != .closed else { return .drop }
        heard(now: now)
        guard bytes.count <= ControlMessage.maxClientMessageSize else {
            return .close(CloseReason(.tooBig, "a text message over \(ControlMessage.maxClientMessageSize) bytes"))
        }
        // RFC 6455 §8.1: a text message must be UTF-8, before or after hello.
        guard String(validating: bytes, as: UTF8.self) != nil else {
            return .close(CloseReason(.invalidData, "a text message that is not valid UTF-8"))
        }
        guard textBucket.take(now: now) else { return .close(.rateLimit) }
        switch phase {
        case .closed:
            return .drop
        case .awaitingHello:
            // Before hello, everything but hello is dropped unread, invalid JSON included.
            guard let object = try? ControlMessage.parseObject(bytes), case .string("hello")? = object["t"] else { return .drop }
            do {
                guard case .hello(let hello) = try ControlMessage.decode(object: object) else { return .drop }
                return .hello(hello)
            } catch {
                return .close(CloseReason(error.closeCode(inHello: true), "invalid hello: \(error)"))
            }
        case .member:
            let object: JSONObject
            do { object = try ControlMessage.parseObject(bytes) } catch {
                return .close(CloseReason(error.closeCode(inHello: false), "malformed message: \(error)"))
            }
            if case .string(let t)? = object["t"], t == "hello" || ControlMessage.relayOnlyTypes.contains(t) { return .drop }
            do {
                return .message(InboundText(message: try ControlMessage.decode(object: object), object: object))
            } catch {
                return .close(CloseReason(error.closeCode(inHello: false), "malformed message: \(error)"))
            }
        }
    }

    public mutating func receiveBinary(_ bytes: some Collection<UInt8>, now: UInt64) -> BinaryDecision {
        var it = bytes.makeIterator()
        let kind = it.next() ?? 0
        var flags: UInt8 = 0
        for _ in 0..<7 { flags = it.next() ?? 0 }
        return receiveBinary(count: bytes.count, kind: kind, flags: flags, now: now)
    }

    /// A binary message described by its length, first byte (kind) and eighth byte (flags):
    /// the relay's hot path reads them from its buffer without copying.
    public mutating func receiveBinary(count: Int, kind: UInt8, flags: UInt8, now: UInt64) -> BinaryDecision {
        guard phase != .closed else { return .drop }
        heard(now: now)
        guard count <= AudioFrame.maxMessageSize else {
            return .close(CloseReason(.tooBig, "a binary message over \(AudioFrame.maxMessageSize) bytes"))
        }
        guard binaryBucket.take(now: now) else { return .close(.rateLimit) }
        guard case .member = phase else { return .drop }
        guard count > AudioFrame.headerSize else { return .close(CloseReason(.policyViolation, "a binary message under 9 bytes")) }
        guard kind != 0 else { return .close(CloseReason(.policyViolation, "a binary message of kind 0")) }
        return .audio(AudioFrame.Flags(rawValue: flags).intersection(.defined))
    }

    /// Timeouts and pings at `now`.
    public mutating func tick(now: UInt64) -> TickAction {
        switch phase {
        case .closed:
            return .none
        case .awaitingHello where elapsed(from: openedAt, to: now) >= limits.helloTimeout:
            return .close(.noHello)
        default:
            break
        }
        if elapsed(from: lastInbound, to: now) >= limits.idleTimeout { return .close(.idle) }
        // While it gets audio, the member is asked at least every `listeningPingInterval`
        // whether it reads (one ping unanswered at a time).
        let listening = lastAudioOut.map { elapsed(from: $0, to: now) < limits.listeningPingInterval } ?? false
        if now >= nextPing || (listening && pingUnanswered == nil && elapsed(from: lastPing, to: now) >= limits.listeningPingInterval) {
            nextPing = now &+ limits.pingInterval
            lastPing = now
            if pingUnanswered == nil { pingUnanswered = now }
            return .ping
        }
        return .none
    }

    /// When `tick` next has something to do.
    public var nextDeadline: UInt64 {
        var t = min(nextPing, lastInbound &+ limits.idleTimeout)
        if lastAudioOut != nil, pingUnanswered == nil { t = min(t, lastPing &+ limits.listeningPingInterval) }
        if phase == .awaitingHello { t = min(t, openedAt &+ limits.helloTimeout) }
        return t
    }
}

extension InboundText: Equatable {
    public static func == (a: InboundText, b: InboundText) -> Bool { a.message == b.message && a.object == b.object }
}
