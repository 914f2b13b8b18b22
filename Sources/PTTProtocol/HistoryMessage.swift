/// A room's last recorded spurts for a member who asks (docs/PROTOCOL.md, an addition to v1).
///
/// The member asks `{"t":"history","from":17,"n":5}` (1…10 spurts, 5 by default). A ptt relay
/// that records the room answers that member alone, oldest first, one message per spurt:
/// `{"t":"history","id":9,"name":"alice","ago_ms":12000,"packets":["<base64 Opus>",…]}`, then
/// `{"t":"history","done":true,"count":2}`; or `deny` `no-history` when it keeps none (not
/// recording, or an operator turned it off). The packets are the spurt's Opus packets as they
/// arrived; a client keeps them to replay, never plays them as live audio.
public enum HistoryMessage {
    public static let type = "history"
    public static let maxSpurts = 10
    public static let defaultSpurts = 5

    public struct Spurt: Equatable, Sendable {
        public var id: UInt32
        public var name: String
        public var agoMillis: Int64
        public var packets: [[UInt8]]

        public init(id: UInt32, name: String, agoMillis: Int64, packets: [[UInt8]]) {
            self.id = id
            self.name = name
            self.agoMillis = agoMillis
            self.packets = packets
        }
    }

    public enum Answer: Equatable, Sendable {
        case spurt(Spurt)
        case done(count: Int)
    }

    /// A member's request.
    public static func request(from: UInt32, n: Int) -> [UInt8] {
        ControlMessage.unknown(type: type, object: JSONObject([("t", .string(type)), ("from", .int(Int64(from))), ("n", .int(Int64(n)))])).encoded()
    }

    /// How many spurts a request asks for; nil when it is not a valid request.
    public static func requested(_ object: JSONObject) -> Int? {
        guard case .string(type)? = object["t"] else { return nil }
        guard let n = object["n"] else { return defaultSpurts }
        guard case .int(let v) = n, (1...Int64(maxSpurts)).contains(v) else { return nil }
        return Int(v)
    }

    public static func encoded(_ answer: Answer) -> [UInt8] {
        var o = JSONObject([("t", .string(type))])
        switch answer {
        case .spurt(let s):
            o["id"] = .int(Int64(s.id))
            o["name"] = .string(s.name)
            o["ago_ms"] = .int(s.agoMillis)
            o["packets"] = .array(s.packets.map { .string(Base64.encode($0)) })
        case .done(let count):
            o["done"] = .bool(true)
            o["count"] = .int(Int64(count))
        }
        return JSONValue.object(o).serialized()
    }

    /// A relay's answer (no `from`: a client's `history` is a request), or nil.
    public static func answer(_ message: ControlMessage) -> Answer? {
        guard case .unknown(type, let o) = message, o["from"] == nil else { return nil }
        if case .bool(true)? = o["done"] {
            guard case .int(let count)? = o["count"], count >= 0 else { return nil }
            return .done(count: Int(count))
        }
        guard case .int(let id)? = o["id"], Validation.isValidID(id), case .string(let name)? = o["name"], Validation.isValidName(name),
              case .int(let ago)? = o["ago_ms"], ago >= 0, case .array(let list)? = o["packets"], list.count <= 3000 else { return nil }
        var packets: [[UInt8]] = []
        for case .string(let text) in list {
            guard let p = Base64.decode(text), !p.isEmpty, p.count <= AudioFrame.maxPayloadSize else { return nil }
            packets.append(p)
        }
        guard packets.count == list.count else { return nil }
        return .spurt(Spurt(id: UInt32(id), name: name, agoMillis: ago, packets: packets))
    }
}
