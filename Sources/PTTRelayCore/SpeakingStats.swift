import PTTProtocol

/// Speaking statistics per room and person, without any content: talk time (the spurt under
/// way included), spurts, average and longest spurt, share of the room's talk time, last
/// activity, and the spurts of the last `timelineWindow` for a timeline. Fed by `RoomActivity`
/// events with the time (nanoseconds on the relay's monotonic clock); read as `report(now:)`.
///
/// One line per member, named as typed: a member who leaves and later joins with exactly the
/// same name continues its line (a reconnect), unless a present member already holds it.
/// Bounded whatever clients do: `maxRooms` (a new room replaces the empty one active the
/// longest ago), `maxMembersPerRoom` lines (a full room forgets its
/// longest-absent line first), `maxSpurtsPerMember` recent spurts, and rooms with nobody present
/// are forgotten `idleRoomTimeout` after their last activity.
public struct SpeakingStats: Sendable {
    /// One spurt: from its start to its last frame, monotonic nanoseconds.
    public struct Spurt: Equatable, Sendable {
        public var start: UInt64
        public var end: UInt64
        public init(start: UInt64, end: UInt64) { self.start = start; self.end = end }
    }

    /// One person's line in a room.
    public struct Member: Equatable, Sendable {
        /// The member id of its latest connection in the room.
        public var id: UInt32
        public var name: String
        /// Talk time of the ended spurts, nanoseconds.
        public var talkNanos: UInt64 = 0
        public var spurts = 0
        /// Spurts for one member alone (direct talk), counted in `spurts` too.
        public var directSpurts = 0
        public var longestNanos: UInt64 = 0
        /// The last join, leave, talk start or talk stop.
        public var lastActive: UInt64 = 0
        public var present = false
        /// When the spurt under way began, if talking.
        public var talkingSince: UInt64?
        public var listener = false
        /// Ended spurts of the last `timelineWindow`, oldest first.
        public var recent: [Spurt] = []

        public var talking: Bool { talkingSince != nil }
    }

    public struct Room: Equatable, Sendable {
        public var name: String
        /// Lines in the order their members first joined.
        public var members: [Member] = []
        public var lastActive: UInt64 = 0
    }

    public private(set) var rooms: [String: Room] = [:]
    /// Rooms and lines kept at most, so that statistics stay bounded whatever clients do.
    public var maxRooms = 1000
    public var maxMembersPerRoom = 256
    public var maxSpurtsPerMember = 200
    /// How far back the timeline goes.
    public var timelineWindow: UInt64 = 600 * 1_000_000_000
    /// A room with nobody present is forgotten this long after its last activity.
    public var idleRoomTimeout: UInt64 = 3600 * 1_000_000_000

    public init() {}

    public mutating func apply(_ event: RoomActivity.Event, room: String, now: UInt64) {
        forgetIdleRooms(now: now)
        if rooms[room] == nil, rooms.count >= maxRooms {
            // Full: a new room takes the place of the empty room active the longest ago, so that
            // rooms made and left in a hurry cannot hide the rooms that come after them. Only
            // when every room has someone present is the new one not counted.
            guard let oldest = rooms.filter({ !$0.value.members.contains(where: \.present) })
                .min(by: { $0.value.lastActive < $1.value.lastActive })?.key else { return }
            rooms[oldest] = nil
        }
        var r = rooms[room] ?? Room(name: room)
        defer { rooms[room] = r }
        r.lastActive = max(r.lastActive, now)
        switch event {
        case .joined(let id, let name, let listen):
            var i = r.members.lastIndex { $0.name == name && !$0.present }
            if i == nil {
                if r.members.count >= maxMembersPerRoom {
                    // Full: forget the line absent the longest, if anyone is absent.
                    guard let old = r.members.indices.filter({ !r.members[$0].present })
                        .min(by: { r.members[$0].lastActive < r.members[$1].lastActive }) else { return }
                    r.members.remove(at: old)
                }
                r.members.append(Member(id: id, name: name))
                i = r.members.count - 1
            }
            guard let i else { return }
            r.members[i].id = id
            r.members[i].present = true
            r.members[i].listener = listen
            r.members[i].lastActive = now
        case .left(let id, _):
            Self.update(id, in: &r) { m in
                if let since = m.talkingSince { Self.end(&m, Spurt(start: since, end: now)) }
                m.present = false
                m.lastActive = now
            }
        case .talkStarted(let id, _):
            Self.update(id, in: &r) { m in
                m.talkingSince = now
                m.lastActive = now
            }
        case .talkStopped(let id, _, let seconds):
            Self.update(id, in: &r) { m in
                let length = UInt64(max(0, seconds) * 1e9)
                let start = m.talkingSince ?? (now > length ? now - length : 0)
                Self.end(&m, Spurt(start: start, end: min(now, start &+ length)))
                m.lastActive = now
            }
        case .direct(let id, _, _, _):
            Self.update(id, in: &r) { $0.directSpurts += 1 }
        case .denied, .moderated:
            break
        }
        let window = timelineWindow, cap = maxSpurtsPerMember
        for i in r.members.indices { Self.trim(&r.members[i].recent, now: now, window: window, cap: cap) }
    }

    /// The present line of member `id`.
    private static func update(_ id: UInt32, in room: inout Room, _ change: (inout Member) -> Void) {
        guard let i = room.members.firstIndex(where: { $0.id == id && $0.present }) else { return }
        change(&room.members[i])
    }

    /// Counts an ended spurt.
    private static func end(_ m: inout Member, _ spurt: Spurt) {
        let length = spurt.end - min(spurt.start, spurt.end)
        m.talkingSince = nil
        m.spurts += 1
        m.talkNanos &+= length
        m.longestNanos = max(m.longestNanos, length)
        m.recent.append(spurt)
    }

    /// Keeps the spurts that end within `window` of `now`, at most `cap` of them.
    static func trim(_ recent: inout [Spurt], now: UInt64, window: UInt64, cap: Int) {
        let from = now > window ? now - window : 0
        if let keep = recent.firstIndex(where: { $0.end >= from }) {
            if keep > 0 { recent.removeFirst(keep) }
        } else {
            recent.removeAll()
        }
        if recent.count > cap { recent.removeFirst(recent.count - cap) }
    }

    /// Forgets rooms where nobody is present and nothing happened for `idleRoomTimeout`.
    public mutating func forgetIdleRooms(now: UInt64) {
        let timeout = idleRoomTimeout
        rooms = rooms.filter { _, r in
            r.members.contains(where: \.present) || elapsed(from: r.lastActive, to: now) <= timeout
        }
    }

    // MARK: Reports

    /// One line as shown at `now`: the spurt under way counted.
    public struct MemberReport: Equatable, Sendable {
        public var id: UInt32
        public var name: String
        public var talkSeconds: Double
        public var spurts: Int
        public var directSpurts: Int
        public var averageSeconds: Double
        public var longestSeconds: Double
        public var share: Double
        /// Nanoseconds since the last activity: 0 while talking.
        public var idleNanos: UInt64
        public var present: Bool
        public var talking: Bool
        public var listener: Bool
        /// The spurts of the timeline's window, the one under way last (ending now).
        public var timeline: [Spurt]
    }

    public struct RoomReport: Equatable, Sendable {
        public var name: String
        public var talkSeconds: Double
        /// Nanoseconds since the room's last activity: 0 while someone talks.
        public var idleNanos: UInt64
        /// Members by talk time, then name.
        public var members: [MemberReport]
    }

    /// The rooms `include` accepts (unlisted ones need the stats token), the most recently
    /// active first, idle rooms forgotten; each member's numbers as of `now`.
    public func report(now: UInt64, include: (String) -> Bool = { !$0.hasPrefix("_") }) -> [RoomReport] {
        let rooms = rooms.values.filter { r in
            include(r.name) && (r.members.contains(where: \.present) || elapsed(from: r.lastActive, to: now) <= idleRoomTimeout)
        }
        let reports: [RoomReport] = rooms.map { room in
            var members: [MemberReport] = room.members.map { m in
                let running = m.talkingSince.map { elapsed(from: $0, to: now) } ?? 0
                let talk = Double(m.talkNanos &+ running) / 1e9
                let spurts = m.spurts + (m.talking ? 1 : 0)
                var timeline = m.recent
                Self.trim(&timeline, now: now, window: timelineWindow, cap: maxSpurtsPerMember)
                if let since = m.talkingSince { timeline.append(Spurt(start: since, end: max(since, now))) }
                return MemberReport(
                    id: m.id, name: m.name, talkSeconds: talk, spurts: spurts, directSpurts: m.directSpurts,
                    averageSeconds: spurts > 0 ? talk / Double(spurts) : 0,
                    longestSeconds: max(Double(m.longestNanos) / 1e9, Double(running) / 1e9), share: 0,
                    idleNanos: m.talking ? 0 : elapsed(from: m.lastActive, to: now),
                    present: m.present, talking: m.talking, listener: m.listener, timeline: timeline)
            }
            let total = members.reduce(0) { $0 + $1.talkSeconds }
            for i in members.indices { members[i].share = total > 0 ? members[i].talkSeconds / total : 0 }
            members.sort { ($1.talkSeconds, $0.name, $0.id) < ($0.talkSeconds, $1.name, $1.id) }
            let idle = members.contains(where: \.talking) ? 0 : elapsed(from: room.lastActive, to: now)
            return RoomReport(name: room.name, talkSeconds: total, idleNanos: idle, members: members)
        }
        return reports.sorted { ($0.idleNanos, $0.name) < ($1.idleNanos, $1.name) }
    }

    /// `{"rooms":[{"name":…,"talk_seconds":…,"last_active_ms":…,"members":[{…}]}]}`: rooms by
    /// recent activity, members by talk time, instants as wall-clock milliseconds (`wallMillis`
    /// is the wall clock at `now`). Each member has `timeline`: its spurts of the last 10 minutes.
    public func json(now: UInt64, wallMillis: Int64, include: (String) -> Bool = { !$0.hasPrefix("_") }) -> String {
        func wall(_ t: UInt64) -> JSONValue {
            let back = Int64(clamping: elapsed(from: t, to: now) / 1_000_000)
            return .int(wallMillis - back)
        }
        func ago(_ idle: UInt64) -> JSONValue { .int(wallMillis - Int64(clamping: idle / 1_000_000)) }
        let list: [JSONValue] = report(now: now, include: include).map { room in
            let members: [JSONValue] = room.members.map { m in
                let timeline: [JSONValue] = m.timeline.map { .object(JSONObject([("start_ms", wall($0.start)), ("end_ms", wall($0.end))])) }
                return .object(JSONObject([
                    ("id", .int(Int64(m.id))), ("name", .string(m.name)), ("talk_seconds", Self.number(m.talkSeconds)),
                    ("spurts", .int(Int64(m.spurts))), ("direct_spurts", .int(Int64(m.directSpurts))),
                    ("average_seconds", Self.number(m.averageSeconds)),
                    ("longest_seconds", Self.number(m.longestSeconds)), ("share", Self.number(m.share)),
                    ("last_active_ms", ago(m.idleNanos)), ("present", .bool(m.present)), ("talking", .bool(m.talking)),
                    ("listener", .bool(m.listener)), ("timeline", .array(timeline)),
                ]))
            }
            return .object(JSONObject([("name", .string(room.name)), ("talk_seconds", Self.number(room.talkSeconds)),
                                       ("last_active_ms", ago(room.idleNanos)), ("members", .array(members))]))
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
        case .direct(let id, let name, let to, let toName):
            o["event"] = .string("direct"); o["id"] = .int(Int64(id)); o["name"] = .string(name)
            o["to"] = .int(Int64(to)); o["to_name"] = .string(toName)
        case .moderated(let action, let id, let name, let by, let byName, let minutes):
            o["event"] = .string("moderation"); o["do"] = .string(action); o["id"] = .int(Int64(id)); o["name"] = .string(name)
            o["by"] = .int(Int64(by)); o["by_name"] = .string(byName)
            if let minutes { o["minutes"] = .int(Int64(minutes)) }
        }
        return JSONValue.object(o).jsonText
    }
}
