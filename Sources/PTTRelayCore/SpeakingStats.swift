import PTTProtocol

/// Speaking statistics per room and member, without any content: talk time, spurts, average
/// and longest spurt, share of the room's talk time, last activity. Members are counted by
/// name, so a reconnect continues the same line. Fed by `RoomActivity` events.
public struct SpeakingStats: Sendable {
    public struct Member: Equatable, Sendable {
        public var name: String
        public var talkSeconds = 0.0
        public var spurts = 0
        public var longestSeconds = 0.0
        /// Wall-clock milliseconds of the last join, talk or leave.
        public var lastActiveMillis: Int64 = 0
        public var present = 0
        public var talking = false
        public var listener = false

        public var averageSeconds: Double { spurts > 0 ? talkSeconds / Double(spurts) : 0 }
    }

    public struct Room: Equatable, Sendable {
        public var name: String
        public var members: [String: Member] = [:]
        public var talkSeconds: Double { members.values.reduce(0) { $0 + $1.talkSeconds } }
    }

    public private(set) var rooms: [String: Room] = [:]
    /// Rooms and names kept at most, so that statistics stay bounded whatever clients do.
    public var maxRooms = 1000
    public var maxMembersPerRoom = 256

    public init() {}

    public mutating func apply(_ event: RoomActivity.Event, room: String, wallMillis: Int64) {
        guard rooms[room] != nil || rooms.count < maxRooms else { return }
        var r = rooms[room] ?? Room(name: room)
        defer { rooms[room] = r }
        func update(_ name: String, _ change: (inout Member) -> Void) {
            guard r.members[name] != nil || r.members.count < maxMembersPerRoom else { return }
            var m = r.members[name] ?? Member(name: name)
            change(&m)
            r.members[name] = m
        }
        switch event {
        case .joined(_, let name, let listen):
            update(name) { $0.present += 1; $0.listener = listen; $0.lastActiveMillis = wallMillis }
        case .left(_, let name):
            update(name) { $0.present = max(0, $0.present - 1); $0.talking = false; $0.lastActiveMillis = wallMillis }
        case .talkStarted(_, let name):
            update(name) { $0.talking = true; $0.lastActiveMillis = wallMillis }
        case .talkStopped(_, let name, let seconds):
            update(name) {
                $0.talking = false
                $0.spurts += 1
                $0.talkSeconds += seconds
                $0.longestSeconds = max($0.longestSeconds, seconds)
                $0.lastActiveMillis = wallMillis
            }
        case .denied:
            break
        }
    }

    /// `{"rooms":[{"name":…,"talk_seconds":…,"members":[{…}]}]}`: rooms by name, members by
    /// talk time. `include` decides which rooms are shown (unlisted ones need the stats token).
    public func json(include: (String) -> Bool = { !$0.hasPrefix("_") }) -> String {
        let list: [JSONValue] = rooms.values.filter { include($0.name) }.sorted { $0.name < $1.name }.map { room in
            let total = room.talkSeconds
            let members: [JSONValue] = room.members.values.sorted { ($1.talkSeconds, $0.name) < ($0.talkSeconds, $1.name) }.map { m in
                .object(JSONObject([
                    ("name", .string(m.name)), ("talk_seconds", Self.number(m.talkSeconds)), ("spurts", .int(Int64(m.spurts))),
                    ("average_seconds", Self.number(m.averageSeconds)), ("longest_seconds", Self.number(m.longestSeconds)),
                    ("share", Self.number(total > 0 ? m.talkSeconds / total : 0)), ("last_active_ms", .int(m.lastActiveMillis)),
                    ("present", .bool(m.present > 0)), ("talking", .bool(m.talking)), ("listener", .bool(m.listener)),
                ]))
            }
            return .object(JSONObject([("name", .string(room.name)), ("talk_seconds", Self.number(total)), ("members", .array(members))]))
        }
        return JSONValue.object(JSONObject([("rooms", .array(list))])).jsonText
    }

    /// A number with three decimals, as JSON.
    static func number(_ v: Double) -> JSONValue {
        let millis = Int64((v * 1000).rounded())
        let whole = millis / 1000, frac = abs(millis % 1000)
        let f = String(frac)
        return .number("\(millis < 0 && whole == 0 ? "-" : "")\(whole).\(String(repeating: "0", count: 3 - f.count))\(f)")
    }
}

extension RoomActivity.Event {
    /// One telemetry line (no trailing newline): the event with the wall-clock time.
    public func telemetryLine(room: String, time: String) -> String {
        var o = JSONObject([("ts", .string(time)), ("room", .string(room))])
        switch self {
        case .joined(let id, let name, let listen):
            o["event"] = .string("join"); o["id"] = .int(Int64(id)); o["name"] = .string(name); o["listen"] = .bool(listen)
        case .left(let id, let name):
            o["event"] = .string("leave"); o["id"] = .int(Int64(id)); o["name"] = .string(name)
        case .talkStarted(let id, let name):
            o["event"] = .string("talk_start"); o["id"] = .int(Int64(id)); o["name"] = .string(name)
        case .talkStopped(let id, let name, let seconds):
            o["event"] = .string("talk_stop"); o["id"] = .int(Int64(id)); o["name"] = .string(name)
            o["seconds"] = SpeakingStats.number(seconds)
        case .denied(let id, let name, let reason):
            o["event"] = .string("deny"); o["id"] = .int(Int64(id)); o["name"] = .string(name); o["reason"] = .string(reason)
        }
        return JSONValue.object(o).jsonText
    }
}
