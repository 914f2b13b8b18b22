/// A text message as a relay sees it: the typed message, its object (unknown fields
/// kept, for forwarding) and its type.
public struct InboundText: Sendable {
    public var message: ControlMessage
    public var object: JSONObject
    public var type: String { message.type }

    package init(message: ControlMessage, object: JSONObject) {
        self.message = message
        self.object = object
    }
}

extension ControlMessage {
    /// Byte limit for text messages a client sends (§1).
    public static let maxClientMessageSize = 4096
    /// Byte limit for text messages a relay sends (§1).
    public static let maxRelayMessageSize = 65536

    /// Decodes one text message: size limit, JSON, object with a string `t`, then fields.
    public static func decode(_ bytes: some Collection<UInt8>, limit: Int = maxClientMessageSize) throws(MessageError) -> ControlMessage {
        try decodeInbound(bytes, limit: limit).message
    }

    /// Decodes one text message and keeps its object for forwarding.
    public static func decodeInbound(_ bytes: some Collection<UInt8>, limit: Int = maxClientMessageSize) throws(MessageError) -> InboundText {
        let object = try parseObject(bytes, limit: limit)
        return InboundText(message: try decode(object: object), object: object)
    }

    /// The first two checks alone: size, then a JSON object with a string `t`.
    public static func parseObject(_ bytes: some Collection<UInt8>, limit: Int = maxClientMessageSize) throws(MessageError) -> JSONObject {
        guard bytes.count <= limit else { throw .tooBig(length: bytes.count) }
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch { throw .invalidJSON(error) }
        guard case .object(let object) = value else { throw .notAnObject }
        guard case .string = object["t"] else { throw .missingType }
        return object
    }

    /// Decodes a parsed object whose `t` is a string.
    public static func decode(object o: JSONObject) throws(MessageError) -> ControlMessage {
        guard case .string(let t) = o["t"] else { throw .missingType }
        let f = FieldReader(type: t, object: o)
        switch t {
        case "hello":
            guard let vValue = o["v"] else { throw .missingField(type: t, field: "v") }
            guard case .int(let v) = vValue else { throw .wrongType(type: t, field: "v") }
            let name = try f.string("name")
            guard Validation.isValidName(name) else { throw .invalidName }
            let agent = try f.optionalString("agent")
            if let agent, !Validation.isValidAgent(agent) { throw .invalidAgent }
            let hello = Hello(version: v, from: try f.optionalID("from"), name: name, agent: agent,
                              listen: try f.optionalBool("listen") ?? false, re: try f.optionalBool("re"))
            guard v == version else { throw .unsupportedVersion(v) }
            return .hello(hello)
        case "welcome":
            let v = try f.int("v", in: 0...Int64.max)
            let room = try f.string("room")
            guard Validation.isValidRoom(room) else { throw .invalidRoom }
            guard case .array(let items)? = o["peers"] else {
                throw o["peers"] == nil ? .missingField(type: t, field: "peers") : .wrongType(type: t, field: "peers")
            }
            var peers: [Peer] = []
            peers.reserveCapacity(items.count)
            for item in items {
                guard case .object(let po) = item else { throw .wrongType(type: t, field: "peers") }
                peers.append(try decodePeer(FieldReader(type: t, object: po), withTalking: true))
            }
            guard let floor = Floor(rawValue: try f.string("floor")) else { throw .outOfRange(type: t, field: "floor") }
            return .welcome(Welcome(version: v, you: try f.id("you"), room: room, peers: peers,
                                    agent: try f.string("agent"), floor: floor, op: try f.optionalBool("op") ?? false))
        case "join":
            return .join(try decodePeer(f, withTalking: false))
        case "leave":
            return .leave(id: try f.id("id"))
        case "talk":
            return .talk(from: try f.optionalID("from"), on: try f.bool("on"))
        case "chat":
            let text = try f.string("text")
            guard Validation.isValidChat(text) else { throw .invalidText }
            return .chat(from: try f.optionalID("from"), text: text)
        case "ping":
            return .ping(from: try f.optionalID("from"), ts: try f.int("ts", in: 0...Validation.maxTimestamp))
        case "pong":
            return .pong(ts: try f.int("ts", in: 0...Validation.maxTimestamp))
        case "bye":
            return .bye(from: try f.optionalID("from"))
        case "deny":
            return .deny(Deny(reason: Deny.Reason(rawValue: try f.string("reason")), holder: try f.optionalID("holder")))
        case "error":
            return .error(code: try f.string("code"), text: try f.string("text"))
        default:
            return .unknown(type: t, object: o)
        }
    }

    static func decodePeer(_ f: FieldReader, withTalking: Bool) throws(MessageError) -> Peer {
        let name = try f.string("name")
        guard Validation.isValidName(name) else { throw .invalidName }
        return Peer(id: try f.id("id"), name: name, listen: try f.bool("listen"),
                    talking: withTalking ? try f.bool("talking") : false, op: try f.optionalBool("op") ?? false)
    }
}

/// Typed field access with the protocol's errors.
struct FieldReader {
    let type: String
    let object: JSONObject

    func value(_ key: String) throws(MessageError) -> JSONValue {
        guard let v = object[key] else { throw .missingField(type: type, field: key) }
        return v
    }

    func string(_ key: String) throws(MessageError) -> String {
        guard case .string(let s) = try value(key) else { throw .wrongType(type: type, field: key) }
        return s
    }

    func optionalString(_ key: String) throws(MessageError) -> String? {
        guard object[key] != nil else { return nil }
        return try string(key)
    }

    func bool(_ key: String) throws(MessageError) -> Bool {
        guard case .bool(let b) = try value(key) else { throw .wrongType(type: type, field: key) }
        return b
    }

    func optionalBool(_ key: String) throws(MessageError) -> Bool? {
        guard object[key] != nil else { return nil }
        return try bool(key)
    }

    func int(_ key: String, in range: ClosedRange<Int64>) throws(MessageError) -> Int64 {
        switch try value(key) {
        case .int(let v):
            guard range.contains(v) else { throw .outOfRange(type: type, field: key) }
            return v
        case .number:
            // A fraction, an exponent or an integer beyond 64 bits: not a protocol integer.
            throw .outOfRange(type: type, field: key)
        default:
            throw .wrongType(type: type, field: key)
        }
    }

    func id(_ key: String) throws(MessageError) -> UInt32 {
        UInt32(try int(key, in: 1...Int64(Validation.maxID)))
    }

    func optionalID(_ key: String) throws(MessageError) -> UInt32? {
        guard object[key] != nil else { return nil }
        return try id(key)
    }
}
