import PTTProtocol

/// Watches a room from outside and tells what happened in it, for telemetry, statistics
/// and recordings: who joined and left, who started and stopped talking (with how long),
/// who was denied. It compares the room before and after each operation, so the room's own
/// rules stay in `RoomState` alone.
public struct RoomActivity: Sendable {
    public enum Event: Equatable, Sendable {
        case joined(id: UInt32, name: String, listen: Bool)
        case left(id: UInt32, name: String)
        case talkStarted(id: UInt32, name: String)
        /// `seconds` from the spurt's `talk` on (or START) to its last frame.
        case talkStopped(id: UInt32, name: String, seconds: Double)
        case denied(id: UInt32, name: String, reason: String)
        /// The spurt `id` just started is for member `to` alone (direct talk).
        case direct(id: UInt32, name: String, to: UInt32, toName: String)
        /// An operator acted on a member (`kick`, `mute`, `unmute`, `end`, `preempt`).
        case moderated(action: String, id: UInt32, name: String, by: UInt32, byName: String, minutes: Int?)
    }

    struct Seen: Sendable {
        var name: String
        var since: UInt64?
        var last: UInt64 = 0

        /// The end of the spurt under way, if any.
        func stopped(_ id: UInt32) -> Event? {
            since.map { .talkStopped(id: id, name: name, seconds: Double(elapsed(from: $0, to: last)) / 1e9) }
        }
    }

    var seen: [UInt32: Seen] = [:]

    public init() {}

    /// A frame from a talking member arrived at `now`: the spurt lasts at least until then.
    /// Cheap, for every forwarded frame (the room itself is observed only on changes): through
    /// the index, as `seen[id]?.last = …` allocates a temporary each time.
    public mutating func heard(_ id: UInt32, at now: UInt64) {
        if let i = seen.index(forKey: id), seen.values[i].since != nil { seen.values[i].last = now }
    }

    /// What changed since the last call, given the room now and the actions it just returned.
    public mutating func observe(_ room: RoomState, actions: [RoomAction] = []) -> [Event] {
        var events: [Event] = []
        for id in room.order {
            guard let m = room.members[id] else { continue }
            var s: Seen
            if let known = seen[id] {
                s = known
            } else {
                s = Seen(name: m.name)
                events.append(.joined(id: id, name: m.name, listen: m.listen))
            }
            if case .talking(let since, let last) = m.talk {
                if s.since != since {
                    if let stopped = s.stopped(id) { events.append(stopped) }
                    events.append(.talkStarted(id: id, name: m.name))
                    if let to = m.directTo { events.append(.direct(id: id, name: m.name, to: to, toName: room.members[to]?.name ?? "#\(to)")) }
                    s.since = since
                }
                s.last = max(s.last, last)
            } else if let stopped = s.stopped(id) {
                events.append(stopped)
                s.since = nil
            }
            seen[id] = s
        }
        for (id, old) in seen.sorted(by: { $0.key < $1.key }) where room.members[id] == nil {
            if let stopped = old.stopped(id) { events.append(stopped) }
            events.append(.left(id: id, name: old.name))
            seen[id] = nil
        }
        for case .send(let to, .deny(let d)) in actions {
            events.append(.denied(id: to, name: room.members[to]?.name ?? seen[to]?.name ?? "#\(to)", reason: d.reason.rawValue))
        }
        for case .broadcast(let message, _) in actions {
            guard let m = Moderation.parse(message) else { continue }
            events.append(.moderated(action: m.action.rawValue, id: m.id, name: m.name, by: m.by,
                                     byName: room.members[m.by]?.name ?? seen[m.by]?.name ?? "#\(m.by)", minutes: m.minutes))
        }
        return events
    }
}
