import PTTProtocol

extension SpeakingStats {
    /// The `/stats` JSON of several relays of a cluster as one: each relay reports its own
    /// members (`json(now:wallMillis:)`, with every room); rooms of one name become one, their
    /// members side by side, talk time summed, shares of talk recomputed over the whole room,
    /// rooms by latest activity. `include` filters rooms by name, as for one relay.
    public static func mergedJSON(_ reports: [String], include: (String) -> Bool) -> String {
        struct Room {
            var members: [JSONObject] = []
            var talk = 0.0
            var lastActive: Int64 = 0
        }
        var rooms: [String: Room] = [:]
        for report in reports {
            guard case .object(let o)? = try? JSONValue.parse(report), case .array(let list)? = o["rooms"] else { continue }
            for case .object(let r) in list {
                guard case .string(let name)? = r["name"], include(name), case .array(let members)? = r["members"] else { continue }
                var room = rooms[name] ?? Room()
                for case .object(let m) in members { room.members.append(m) }
                room.talk += Self.double(r["talk_seconds"])
                if case .int(let t)? = r["last_active_ms"] { room.lastActive = max(room.lastActive, t) }
                rooms[name] = room
            }
        }
        let ordered = rooms.sorted { ($1.value.lastActive, $0.key) < ($0.value.lastActive, $1.key) }
        let list: [JSONValue] = ordered.map { name, room in
            let members: [JSONValue] = room.members
                .sorted { (Self.double($1["talk_seconds"]), Self.text($0["name"])) < (Self.double($0["talk_seconds"]), Self.text($1["name"])) }
                .map { m in
                    var m = m
                    m["share"] = number(room.talk > 0 ? Self.double(m["talk_seconds"]) / room.talk : 0)
                    return .object(m)
                }
            return .object(JSONObject([("name", .string(name)), ("talk_seconds", number(room.talk)),
                                       ("last_active_ms", .int(room.lastActive)), ("members", .array(members))]))
        }
        return JSONValue.object(JSONObject([("rooms", .array(list))])).jsonText
    }

    static func double(_ v: JSONValue?) -> Double {
        switch v {
        case .int(let i)?: return Double(i)
        case .number(let s)?: return Double(s) ?? 0
        default: return 0
        }
    }

    static func text(_ v: JSONValue?) -> String {
        if case .string(let s)? = v { return s }
        return ""
    }
}
