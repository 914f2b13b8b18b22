/// Operators (docs/PROTOCOL.md, additions to v1): a member who joined with an operator token
/// asks the relay with `op`; the relay carries it out and tells the room with `moderation`.
///
/// `{"t":"op","from":3,"do":"kick","name":"bob","minutes":5}` — `do` is `kick`, `mute`,
/// `unmute` or `end` (end the member's spurt); the member is named by `name` (or `id`);
/// `minutes` (kick only, 1…1440, default 5) bars them from the room that long.
/// `{"t":"moderation","do":"kick","id":17,"name":"bob","by":3,"minutes":5}` — sent by the relay
/// to the room; `do` may also be `preempt` (an operator took the floor from `id`).
public enum OperatorAction: String, CaseIterable, Equatable, Sendable {
    case kick, mute, unmute, end
    /// The room's recent spurts for those who ask (`history`): `"on":true|false`, no member named.
    case history
}

/// A member's `op` request.
public struct OperatorRequest: Equatable, Sendable {
    public static let type = "op"
    public static let defaultMinutes = 5
    public static let maxMinutes = 1440

    public enum Target: Equatable, Sendable {
        case name(String)
        case id(UInt32)
        /// The room itself (`history`).
        case room
    }

    public var action: OperatorAction
    public var target: Target
    public var minutes: Int
    /// For `history`: whether the room's recent spurts may be asked for.
    public var on: Bool

    public init(action: OperatorAction, target: Target, minutes: Int = OperatorRequest.defaultMinutes, on: Bool = true) {
        self.action = action
        self.target = target
        self.minutes = minutes
        self.on = on
    }

    public func encoded(from: UInt32) -> [UInt8] {
        var o = JSONObject([("t", .string(Self.type)), ("from", .int(Int64(from))), ("do", .string(action.rawValue))])
        switch target {
        case .name(let name): o["name"] = .string(name)
        case .id(let id): o["id"] = .int(Int64(id))
        case .room: o["on"] = .bool(on)
        }
        if action == .kick { o["minutes"] = .int(Int64(minutes)) }
        return JSONValue.object(o).serialized()
    }

    /// The request in an `op` message's object, or why it is refused (`bad-request`).
    public static func parse(_ object: JSONObject) -> OperatorRequest? {
        guard case .string(let verb)? = object["do"], let action = OperatorAction(rawValue: verb) else { return nil }
        if action == .history {
            guard case .bool(let on)? = object["on"] else { return nil }
            return OperatorRequest(action: .history, target: .room, minutes: 0, on: on)
        }
        let target: Target
        if case .string(let name)? = object["name"], Validation.isValidName(name) {
            target = .name(name)
        } else if case .int(let id)? = object["id"], Validation.isValidID(id) {
            target = .id(UInt32(id))
        } else {
            return nil
        }
        var minutes = defaultMinutes
        if let m = object["minutes"] {
            guard action == .kick, case .int(let v) = m, (1...Int64(maxMinutes)).contains(v) else { return nil }
            minutes = Int(v)
        }
        return OperatorRequest(action: action, target: target, minutes: minutes)
    }
}

/// The relay's `moderation` announcement.
public struct Moderation: Equatable, Sendable {
    public static let type = "moderation"

    public enum Action: String, Equatable, Sendable {
        case kick, mute, unmute, end, preempt
        /// The room's recent spurts may (not) be asked for; `id` and `name` are the operator's.
        case historyOn = "history-on", historyOff = "history-off"
    }

    public var action: Action
    public var id: UInt32
    public var name: String
    public var by: UInt32
    /// For `kick`: how long the member is barred.
    public var minutes: Int?

    public init(action: Action, id: UInt32, name: String, by: UInt32, minutes: Int? = nil) {
        self.action = action
        self.id = id
        self.name = name
        self.by = by
        self.minutes = minutes
    }

    public var message: ControlMessage {
        var o = JSONObject([("t", .string(Self.type)), ("do", .string(action.rawValue)), ("id", .int(Int64(id))),
                            ("name", .string(name)), ("by", .int(Int64(by)))])
        if let minutes { o["minutes"] = .int(Int64(minutes)) }
        return .unknown(type: Self.type, object: o)
    }

    public static func parse(_ message: ControlMessage) -> Moderation? {
        guard case .unknown(type, let o) = message, o["from"] == nil,
              case .string(let verb)? = o["do"], let action = Action(rawValue: verb),
              case .int(let id)? = o["id"], Validation.isValidID(id),
              case .string(let name)? = o["name"], Validation.isValidName(name),
              case .int(let by)? = o["by"], Validation.isValidID(by) else { return nil }
        var minutes: Int?
        if case .int(let m)? = o["minutes"], (1...Int64(OperatorRequest.maxMinutes)).contains(m) { minutes = Int(m) }
        return Moderation(action: action, id: UInt32(id), name: name, by: UInt32(by), minutes: minutes)
    }
}

/// Direct talk (docs/PROTOCOL.md, an addition to v1): a `talk` on with `"to": ID` is a spurt
/// for that member alone; a ptt relay delivers its `talk` messages and frames to `to` only.
public enum DirectTalk {
    /// The member a stamped `talk` object is for, if it is direct.
    public static func target(in object: JSONObject) -> UInt32? {
        guard case .int(let to)? = object["to"], Validation.isValidID(to) else { return nil }
        return UInt32(to)
    }

    /// `talk` from `from`, on or off, for member `to` alone.
    public static func encoded(from: UInt32, on: Bool, to: UInt32) -> [UInt8] {
        var o = ControlMessage.talk(from: from, on: on).jsonObject
        o["to"] = .int(Int64(to))
        return JSONValue.object(o).serialized()
    }
}
