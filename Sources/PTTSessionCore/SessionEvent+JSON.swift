import PTTProtocol

extension SessionEvent {
    /// One line of `ptt join --json` output: a JSON object with an `event` field.
    public var jsonObject: JSONObject {
        var o = JSONObject()
        func member(_ m: Roster.Member) {
            o["id"] = .int(Int64(m.id))
            o["name"] = m.name.map { .string($0) } ?? .null
        }
        switch self {
        case .connected(let link, let url):
            o["event"] = .string("connected")
            o["link"] = .string(link.rawValue)
            o["url"] = .string(url)
        case .ready(let you, let room, let floor):
            o["event"] = .string("ready")
            o["you"] = .int(Int64(you))
            o["room"] = .string(room)
            o["floor"] = .string(floor.rawValue)
        case .memberJoined(let m):
            o["event"] = .string("joined")
            member(m)
            o["listen"] = .bool(m.listen)
            if m.op { o["op"] = .bool(true) }
        case .memberRenamed(let m):
            o["event"] = .string("renamed")
            member(m)
        case .memberLeft(let m):
            o["event"] = .string("left")
            member(m)
        case .talkStarted(let m):
            o["event"] = .string("talk")
            member(m)
            o["on"] = .bool(true)
            if m.directToMe { o["direct"] = .bool(true) }
        case .talkStopped(let m):
            o["event"] = .string("talk")
            member(m)
            o["on"] = .bool(false)
        case .micChanged(let m):
            o["event"] = .string("mic")
            member(m)
            o["muted"] = .bool(m.micMuted)
        case .ownMic(let muted):
            o["event"] = .string("mic")
            o["own"] = .bool(true)
            o["muted"] = .bool(muted)
        case .transmitting(let on):
            o["event"] = .string("transmit")
            o["on"] = .bool(on)
        case .chat(let from, let name, let text, let own):
            o["event"] = .string("chat")
            o["id"] = .int(Int64(from))
            o["name"] = .string(name)
            o["text"] = .string(text)
            o["own"] = .bool(own)
        case .caption(let id, let name, let text, let final, let scribe):
            o["event"] = .string("caption")
            o["id"] = .int(Int64(id))
            o["name"] = .string(name)
            o["text"] = .string(text)
            o["final"] = .bool(final)
            o["scribe"] = .int(Int64(scribe))
        case .history(let count):
            o["event"] = .string("history")
            o["count"] = .int(Int64(count))
        case .moderated(let action, let id, let name, let by, let minutes):
            o["event"] = .string("moderation")
            o["do"] = .string(action)
            o["id"] = .int(Int64(id))
            o["name"] = .string(name)
            o["by"] = .string(by)
            if let minutes { o["minutes"] = .int(Int64(minutes)) }
        case .denied(let reason, let holder):
            o["event"] = .string("denied")
            o["reason"] = .string(reason.rawValue)
            if let holder { o["holder"] = .string(holder) }
        case .relayError(let code, let text):
            o["event"] = .string("error")
            o["code"] = .string(code)
            o["text"] = .string(text)
        case .roundTrip(let ms):
            o["event"] = .string("rtt")
            o["ms"] = .int(Int64(ms))
        case .disconnected(let code, let reason):
            o["event"] = .string("disconnected")
            o["code"] = .int(Int64(code))
            o["reason"] = .string(reason)
        case .reconnecting(let after, let attempt):
            o["event"] = .string("reconnecting")
            o["in_ms"] = .int(Int64(after / .millisecond))
            o["attempt"] = .int(Int64(attempt))
        case .ended(let reason):
            o["event"] = .string("ended")
            switch reason {
            case .quit: o["reason"] = .string("quit")
            case .refused(let status, _): o["reason"] = .string("refused"); o["status"] = .int(Int64(status))
            case .closed(let code, _): o["reason"] = .string("closed"); o["code"] = .int(Int64(code))
            case .unreachable: o["reason"] = .string("unreachable")
            }
            o["message"] = .string(reason.message)
        }
        return o
    }

    /// The event as one compact JSON line (no trailing newline).
    public var jsonLine: String { JSONValue.object(jsonObject).jsonText }
}
