/// A control message of PROTOCOL.md §3, typed.
///
/// Unknown types decode as `.unknown` with their whole object, so a relay can forward
/// them and a client can ignore them. Unknown fields of known types are ignored here;
/// a relay that forwards keeps them by working on the `JSONObject` (see `InboundText`).
public enum ControlMessage: Equatable, Sendable {
    case hello(Hello)
    case welcome(Welcome)
    case join(Peer)
    case leave(id: UInt32)
    case talk(from: UInt32?, on: Bool)
    case chat(from: UInt32?, text: String)
    case ping(from: UInt32?, ts: Int64)
    case pong(ts: Int64)
    case bye(from: UInt32?)
    case deny(Deny)
    case error(code: String, text: String)
    case unknown(type: String, object: JSONObject)

    /// The `t` of this message.
    public var type: String {
        switch self {
        case .hello: return "hello"
        case .welcome: return "welcome"
        case .join: return "join"
        case .leave: return "leave"
        case .talk: return "talk"
        case .chat: return "chat"
        case .ping: return "ping"
        case .pong: return "pong"
        case .bye: return "bye"
        case .deny: return "deny"
        case .error: return "error"
        case .unknown(let t, _): return t
        }
    }

    /// Types only a ptt relay may send; a relay drops them when a client sends them.
    public static let relayOnlyTypes: Set<String> = ["welcome", "join", "leave", "pong", "deny", "error", "moderation"]

    /// The protocol version this code speaks.
    public static let version: Int64 = 1
}

/// The first message a client sends.
public struct Hello: Equatable, Sendable {
    /// Protocol version the client speaks; a relay answers anything but 1 with 4426.
    public var version: Int64
    public var from: UInt32?
    public var name: String
    public var agent: String?
    public var listen: Bool
    /// Set on a hello that answers another hello through a plain forwarder (§6).
    public var re: Bool?

    public init(version: Int64 = ControlMessage.version, from: UInt32?, name: String, agent: String?, listen: Bool = false, re: Bool? = nil) {
        self.version = version
        self.from = from
        self.name = name
        self.agent = agent
        self.listen = listen
        self.re = re
    }
}

/// A member as `welcome.peers` and `join` describe it.
public struct Peer: Equatable, Sendable {
    public var id: UInt32
    public var name: String
    public var listen: Bool
    /// Only meaningful in `welcome.peers`; `join` carries no talking state.
    public var talking: Bool
    /// An operator of the room (an addition to v1: `"op":true`, absent otherwise).
    public var op: Bool

    public init(id: UInt32, name: String, listen: Bool, talking: Bool = false, op: Bool = false) {
        self.id = id
        self.name = name
        self.listen = listen
        self.talking = talking
        self.op = op
    }
}

/// How many may talk at once in a room (PROTOCOL.md §7).
public enum Floor: String, Equatable, Sendable, CaseIterable {
    case open
    case single
}

/// The relay's answer to `hello`.
public struct Welcome: Equatable, Sendable {
    public var version: Int64
    public var you: UInt32
    public var room: String
    public var peers: [Peer]
    public var agent: String
    public var floor: Floor
    /// We joined as an operator (an addition to v1: `"op":true`, absent otherwise).
    public var op: Bool

    public init(version: Int64 = ControlMessage.version, you: UInt32, room: String, peers: [Peer], agent: String, floor: Floor, op: Bool = false) {
        self.version = version
        self.you = you
        self.room = room
        self.peers = peers
        self.agent = agent
        self.floor = floor
        self.op = op
    }
}

/// The relay refusing or ending someone's talking.
public struct Deny: Equatable, Sendable {
    /// `busy`, `listen-only`, `too-long`; later versions may add words.
    public struct Reason: RawRepresentable, Hashable, Sendable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let busy = Reason(rawValue: "busy")
        public static let listenOnly = Reason(rawValue: "listen-only")
        public static let tooLong = Reason(rawValue: "too-long")
        // Additions to v1 (operators and direct talk):
        /// An operator took the floor (`holder` is the operator).
        public static let preempted = Reason(rawValue: "preempted")
        /// An operator ended this spurt (`holder` is the operator).
        public static let ended = Reason(rawValue: "ended")
        /// An operator muted this member: its audio is dropped.
        public static let muted = Reason(rawValue: "muted")
        /// An `op` request from a member who is not an operator.
        public static let notOperator = Reason(rawValue: "not-operator")
        /// Direct talk to nobody in the room.
        public static let unknownMember = Reason(rawValue: "unknown-member")
        /// An `op` request naming nobody in the room.
        public static let noSuchMember = Reason(rawValue: "no-such-member")
        /// An `op` request against an operator, or against oneself.
        public static let protected = Reason(rawValue: "protected")
        /// Direct talk to oneself.
        public static let selfTarget = Reason(rawValue: "self")
        /// An `op` request that does not parse.
        public static let badRequest = Reason(rawValue: "bad-request")
        /// `end` for a member who is not talking.
        public static let notTalking = Reason(rawValue: "not-talking")
        /// A `history` request to a relay that keeps no recent spurts for this room.
        public static let noHistory = Reason(rawValue: "no-history")
        /// Answers to an `op` or `history` request: they end no spurt of the one who asked.
        public static let operatorAnswers: Set<Reason> = [.notOperator, .noSuchMember, .protected, .badRequest, .notTalking, .noHistory]
    }

    public var reason: Reason
    public var holder: UInt32?

    public init(reason: Reason, holder: UInt32? = nil) {
        self.reason = reason
        self.holder = holder
    }
}
