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
    }

    struct Seen: Sendable {
        var name: String
        var since: UInt64?
        var last: UInt64 = 0
    }

    var seen: [UInt32: Seen] = [:]

    public init() {}

    /// A frame from a talking member arrived at `now`: the spurt lasts at least until then.
    /// Cheap, for every forwarded frame (the room itself is observed only on changes).
    public mutating func heard(_ id: UInt32, at now: UInt64) {
        if seen[id]?.since != nil { seen[id]?.last = now }
    }

    /// What changed since the last call, given the room now and the actions it just returned.
    public mutating func observe(_ room: RoomState, actions: [RoomAction] = []) -> [Event] {
        var events: [Event] = []
        for id in room.order {
            guard let m = room.members[id] else { continue }
            if seen[id] == nil {
                seen[id] = Seen(name: m.name)
                events.append(.joined(id: id, name: m.name, listen: m.listen))
            }
            if case .talking(let since, let last) = m.talk {
                if seen[id]?.since != since {
                    if let old = seen[id], let s = old.since { events.append(.talkStopped(id: id, name: old.name, seconds: Self.seconds(s, old.last))) }
                    events.append(.talkStarted(id: id, name: m.name))
                }
                let heard = seen[id]?.last ?? 0
                seen[id]?.since = since
                seen[id]?.last = max(heard, last)
            } else if let s = seen[id]?.since, let old = seen[id] {
                events.append(.talkStopped(id: id, name: old.name, seconds: Self.seconds(s, old.last)))
                seen[id]?.since = nil
            }
        }
        for (id, old) in seen.sorted(by: { $0.key < $1.key }) where room.members[id] == nil {
            if let s = old.since { events.append(.talkStopped(id: id, name: old.name, seconds: Self.seconds(s, old.last))) }
            events.append(.left(id: id, name: old.name))
            seen[id] = nil
        }
        for case .send(let to, .deny(let d)) in actions {
            events.append(.denied(id: to, name: room.members[to]?.name ?? seen[to]?.name ?? "#\(to)", reason: d.reason.rawValue))
        }
        return events
    }

    static func seconds(_ since: UInt64, _ last: UInt64) -> Double {
        last > since ? Double(last - since) / 1e9 : 0
    }
}
