extension ControlMessage {
    /// The message as a JSON object, fields in the order PROTOCOL.md lists them.
    public var jsonObject: JSONObject {
        var o = JSONObject([("t", .string(type))])
        switch self {
        case .hello(let h):
            o["v"] = .int(h.version)
            if let from = h.from { o["from"] = .int(Int64(from)) }
            o["name"] = .string(h.name)
            if let agent = h.agent { o["agent"] = .string(agent) }
            o["listen"] = .bool(h.listen)
            if let re = h.re { o["re"] = .bool(re) }
        case .welcome(let w):
            o["v"] = .int(w.version)
            o["you"] = .int(Int64(w.you))
            o["room"] = .string(w.room)
            o["peers"] = .array(w.peers.map { .object(Self.peerObject($0, withTalking: true)) })
            o["agent"] = .string(w.agent)
            o["floor"] = .string(w.floor.rawValue)
            if w.op { o["op"] = .bool(true) }
        case .join(let p):
            for e in Self.peerObject(p, withTalking: false).entries { o[e.key] = e.value }
        case .leave(let id):
            o["id"] = .int(Int64(id))
        case .talk(let from, let on):
            if let from { o["from"] = .int(Int64(from)) }
            o["on"] = .bool(on)
        case .chat(let from, let text):
            if let from { o["from"] = .int(Int64(from)) }
            o["text"] = .string(text)
        case .ping(let from, let ts):
            if let from { o["from"] = .int(Int64(from)) }
            o["ts"] = .int(ts)
        case .pong(let ts):
            o["ts"] = .int(ts)
        case .bye(let from):
            if let from { o["from"] = .int(Int64(from)) }
        case .deny(let d):
            o["reason"] = .string(d.reason.rawValue)
            if let holder = d.holder { o["holder"] = .int(Int64(holder)) }
        case .error(let code, let text):
            o["code"] = .string(code)
            o["text"] = .string(text)
        case .unknown(_, let object):
            return object
        }
        return o
    }

    static func peerObject(_ p: Peer, withTalking: Bool) -> JSONObject {
        var o = JSONObject([("id", .int(Int64(p.id))), ("name", .string(p.name)), ("listen", .bool(p.listen))])
        if withTalking { o["talking"] = .bool(p.talking) }
        if p.op { o["op"] = .bool(true) }
        return o
    }

    /// Compact UTF-8 JSON, ready to send as a text message.
    public func encoded() -> [UInt8] { JSONValue.object(jsonObject).serialized() }

    /// Compact JSON as a string.
    public var jsonText: String { JSONValue.object(jsonObject).jsonText }
}
