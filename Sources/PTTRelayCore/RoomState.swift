import PTTProtocol

/// What a room asks its relay to send.
public enum RoomAction: Equatable, Sendable {
    /// A message of the relay's own to one member.
    case send(to: UInt32, ControlMessage)
    /// A message of the relay's own to every member but `except` (nil: everyone).
    case broadcast(ControlMessage, except: UInt32?)
    /// A member's message, already stamped, to every other member.
    case forward(JSONObject, from: UInt32)
    /// A member's message, already stamped, to one member (direct talk).
    case forwardTo(JSONObject, from: UInt32, to: UInt32)
    /// An operator removed a member: close it (4405) and bar its name and address for `minutes`.
    case remove(id: UInt32, minutes: Int, by: UInt32)
}

/// One room of a ptt relay (PROTOCOL.md §5, §7): the roster, who is talking, the floor.
///
/// A value type driven by its relay: every event comes in with the time (nanoseconds on a
/// monotonic clock) and returns the messages to send, in order. Ids are assigned outside
/// (`IDAllocator`), audio bytes never pass through: the room only decides whether a frame
/// is forwarded.
public struct RoomState: Sendable {
    /// A member's talking state.
    public enum Talk: Equatable, Sendable {
        case idle
        /// Talking since `since` (its `talk` on or `START`), last heard at `last`.
        case talking(since: UInt64, last: UInt64)
        /// Cut off by the maximum talk time: the rest of the spurt is dropped.
        case cutOff(last: UInt64)
        /// Refused the floor (busy): its `talk` off is swallowed.
        case deniedBusy

        /// When the current spurt began, if talking.
        public var since: UInt64? {
            if case .talking(let since, _) = self { return since }
            return nil
        }
    }

    public struct Member: Equatable, Sendable {
        /// The name as the member typed it: what the roster shows.
        public var name: String
        /// The name's skeleton (`Validation.nameSkeleton`): no two members share one.
        public var key: String
        /// The `from` of its `hello`: a client keeps it across reconnects.
        public var session: UInt32? = nil
        public var listen: Bool
        public var talk: Talk
        /// Joined with an operator token.
        public var op = false
        /// The operator who muted this member: its audio and `talk` are dropped meanwhile.
        public var mutedBy: UInt32?
        public var opMuted: Bool { mutedBy != nil }
        /// The member its spurt under way is for, when it talks directly to one.
        public var directTo: UInt32?
        public var isTalking: Bool { if case .talking = talk { return true } else { return false } }
    }

    /// Silence after which a talker has ended its spurt (§5).
    public static let silenceTimeout: UInt64 = 1_000_000_000

    public let name: String
    public let floor: Floor
    /// Longest talk in nanoseconds, if limited (§7).
    public let maxTalk: UInt64?
    /// The relay's `agent` in `welcome`.
    public let agent: String
    /// Member ids in the order they joined.
    public private(set) var order: [UInt32] = []
    public private(set) var members: [UInt32: Member] = [:]
    /// Who holds the floor in a `single` room.
    public private(set) var holder: UInt32?
    /// An operator turned off asking for the room's recent spurts (`history`).
    public private(set) var historyOff = false

    /// The room's `historyOff` as it was when the room last emptied (the relay keeps it).
    public mutating func restore(historyOff off: Bool) { historyOff = off }

    public init(name: String, floor: Floor = .open, maxTalk: UInt64? = nil, agent: String = PTTVersion.relayAgent) {
        self.name = name
        self.floor = floor
        self.maxTalk = maxTalk
        self.agent = agent
    }

    public var count: Int { order.count }
    public var isEmpty: Bool { order.isEmpty }
    public var talkerCount: Int { members.values.reduce(0) { $0 + ($1.isTalking ? 1 : 0) } }

    // MARK: Roster

    /// The member whose name has skeleton `key`, if any.
    public func member(withKey key: String) -> UInt32? {
        order.first { members[$0]?.key == key }
    }

    /// What `admit` decided.
    public enum Admission: Equatable, Sendable {
        /// Joined: `welcome` to it, then `join` to the others.
        case welcome([RoomAction])
        /// The same client (same `hello.from`) is still in the room under that name, on a
        /// connection it has lost: the relay ends that membership, then admits again.
        case replace(UInt32)
        /// Another member has the name: close with this reason (4409, a free name suggested).
        case refuse(CloseReason)
    }

    /// Admits a new member unless another has the same name: `key` is its skeleton
    /// (`Validation.nameSkeleton`), computed by the relay with NFKC, which this core cannot do
    /// (`normalize` is the same function, for the suggestion); `session` is `hello.from`.
    public mutating func admit(id: UInt32, name: String, key: String, listen: Bool, session: UInt32? = nil, op: Bool = false,
                               normalize: (String) -> String = { $0 }) -> Admission {
        if let holder = member(withKey: key) {
            if let session, members[holder]?.session == session { return .replace(holder) }
            let suggestion = Validation.suggestName(for: name, normalize: normalize) { member(withKey: $0) != nil }
            return .refuse(.nameTaken(name, room: self.name, suggestion: suggestion))
        }
        return .welcome(join(id: id, name: name, listen: listen, key: key, session: session, op: op))
    }

    /// Welcomes a new member: `welcome` to it, then `join` to the others. Nothing if the id or
    /// the name's skeleton `key` (by default without NFKC) is already in the room: see `admit`.
    public mutating func join(id: UInt32, name: String, listen: Bool, key: String? = nil, session: UInt32? = nil, op: Bool = false) -> [RoomAction] {
        let key = key ?? Validation.nameSkeleton(name)
        guard members[id] == nil, member(withKey: key) == nil else { return [] }
        let peers = self.peers
        members[id] = Member(name: name, key: key, session: session, listen: listen, talk: .idle, op: op)
        order.append(id)
        var actions: [RoomAction] = [
            .send(to: id, .welcome(Welcome(you: id, room: self.name, peers: peers, agent: agent, floor: floor, op: op))),
            .broadcast(.join(Peer(id: id, name: name, listen: listen, op: op)), except: id),
        ]
        // Who is muted by an operator, for the newcomer.
        for pid in order {
            if let m = members[pid], let by = m.mutedBy { actions.append(.send(to: id, Moderation(action: .mute, id: pid, name: m.name, by: by).message)) }
        }
        return actions
    }

    /// A member's connection ended: its `talk` off if it was talking, then `leave`.
    public mutating func leave(id: UInt32) -> [RoomAction] {
        guard let member = members.removeValue(forKey: id) else { return [] }
        order.removeAll { $0 == id }
        var actions: [RoomAction] = []
        if member.isTalking { actions.append(talkOffNotice(id, member)) }
        if holder == id { holder = nil }
        actions.append(.broadcast(.leave(id: id), except: id))
        return actions
    }

    // MARK: Control messages

    /// A control message from a member (not `hello`, not a relay-only type): the room's answer.
    public mutating func receive(_ message: InboundText, from id: UInt32, now: UInt64) -> [RoomAction] {
        guard let member = members[id] else { return [] }
        var stamped = message.object
        stamped["from"] = .int(Int64(id))
        switch message.message {
        case .hello, .welcome, .join, .leave, .pong, .deny, .error:
            return []
        case .ping(_, let ts):
            return [.send(to: id, .pong(ts: ts))]
        case .talk(_, let on):
            return on ? talkOn(id, member, stamped, now: now) : talkOff(id, member, stamped)
        case .unknown(OperatorRequest.type, _):
            return operatorRequest(message.object, from: id, now: now)
        case .chat, .bye, .unknown:
            return [.forward(stamped, from: id)]
        }
    }

    private mutating func talkOn(_ id: UInt32, _ member: Member, _ stamped: JSONObject, now: UInt64) -> [RoomAction] {
        if member.listen { return [.send(to: id, .deny(Deny(reason: .listenOnly)))] }
        if member.opMuted {
            members[id]?.talk = .deniedBusy
            return [.send(to: id, .deny(Deny(reason: .muted)))]
        }
        if let to = DirectTalk.target(in: stamped) {
            // A spurt for one member: it takes no floor, and only that member hears of it.
            guard to != id else { return [.send(to: id, .deny(Deny(reason: .selfTarget)))] }
            guard members[to] != nil else {
                members[id]?.talk = .deniedBusy
                return [.send(to: id, .deny(Deny(reason: .unknownMember)))]
            }
            if member.isTalking, member.directTo != to { return [talkOffNotice(id, member)] + talkOn(id, Self.idle(member), stamped, now: now) }
            members[id]?.directTo = to
            members[id]?.talk = .talking(since: member.talk.since ?? now, last: now)
            return [.forwardTo(stamped, from: id, to: to)]
        }
        var actions: [RoomAction] = []
        if member.directTo != nil {
            if member.isTalking { actions.append(talkOffNotice(id, member)) }
            members[id]?.directTo = nil
            members[id]?.talk = .idle
        }
        let since = members[id]?.talk.since
        if floor == .single, let h = holder, h != id {
            guard member.op, let held = members[h] else {
                members[id]?.talk = .deniedBusy
                return actions + [.send(to: id, .deny(Deny(reason: .busy, holder: h)))]
            }
            // An operator takes the floor: the holder is told, and the rest of its spurt dropped.
            members[h]?.talk = .deniedBusy
            actions += [.send(to: h, .deny(Deny(reason: .preempted, holder: id))), talkOffNotice(h, held),
                        .broadcast(Moderation(action: .preempt, id: h, name: held.name, by: id).message, except: nil)]
        }
        if floor == .single { holder = id }
        members[id]?.talk = .talking(since: since ?? now, last: now)
        return actions + [.forward(stamped, from: id)]
    }

    private mutating func talkOff(_ id: UInt32, _ member: Member, _ stamped: JSONObject) -> [RoomAction] {
        if member.listen { return [] }
        switch member.talk {
        case .deniedBusy, .cutOff:
            members[id]?.talk = .idle
            members[id]?.directTo = nil
            return []
        case .talking, .idle:
            members[id]?.talk = .idle
            members[id]?.directTo = nil
            if holder == id { holder = nil }
            if let to = member.directTo { return [.forwardTo(stamped, from: id, to: to)] }
            return [.forward(stamped, from: id)]
        }
    }

    static func idle(_ member: Member) -> Member {
        var m = member
        m.talk = .idle
        m.directTo = nil
        return m
    }

    /// The relay's own `talk` off for a member whose spurt it ends: to everyone, or to the one
    /// member a direct spurt was for.
    func talkOffNotice(_ id: UInt32, _ member: Member) -> RoomAction {
        if let to = member.directTo { return .send(to: to, .talk(from: id, on: false)) }
        return .broadcast(.talk(from: id, on: false), except: id)
    }

    // MARK: Audio

    /// An audio frame from a member: whether to forward it (`to`: to that member only, for direct
    /// talk), and any messages its arrival causes (a cut-off at the maximum talk time).
    public mutating func receiveAudio(flags: AudioFrame.Flags, from id: UInt32, now: UInt64) -> (forward: Bool, to: UInt32?, actions: [RoomAction]) {
        let (forward, actions) = decideAudio(flags: flags, from: id, now: now)
        return (forward, forward ? members[id]?.directTo : nil, actions)
    }

    private mutating func decideAudio(flags: AudioFrame.Flags, from id: UInt32, now: UInt64) -> (forward: Bool, actions: [RoomAction]) {
        guard let member = members[id], !member.listen, !member.opMuted else { return (false, []) }
        let end = flags.contains(.end)
        switch member.talk {
        case .talking(let since, _):
            if let maxTalk, elapsed(from: since, to: now) >= maxTalk {
                let actions = cutOff(id, now: now)
                if end { members[id]?.talk = .idle }
                return (false, actions)
            }
            if end {
                members[id]?.talk = .idle
                if holder == id { holder = nil }
            } else {
                members[id]?.talk = .talking(since: since, last: now)
            }
            return (true, [])
        case .cutOff:
            members[id]?.talk = end ? .idle : .cutOff(last: now)
            return (false, [])
        case .deniedBusy, .idle:
            // Only the holder talks in a single room; START alone takes no floor.
            guard floor == .open else { return (false, []) }
            if flags.contains(.start) && !end {
                members[id]?.talk = .talking(since: now, last: now)
            }
            return (true, [])
        }
    }

    // MARK: Time

    /// Ends silent spurts and over-long talks at `now`.
    public mutating func tick(now: UInt64) -> [RoomAction] {
        var actions: [RoomAction] = []
        for id in order {
            guard let member = members[id] else { continue }
            switch member.talk {
            case .talking(let since, let last):
                if let maxTalk, elapsed(from: since, to: now) >= maxTalk {
                    actions += cutOff(id, now: now)
                } else if elapsed(from: last, to: now) >= Self.silenceTimeout {
                    members[id]?.talk = .idle
                    members[id]?.directTo = nil
                    if holder == id { holder = nil }
                    actions.append(talkOffNotice(id, member))
                }
            case .cutOff(let last):
                if elapsed(from: last, to: now) >= Self.silenceTimeout { members[id]?.talk = .idle }
            case .idle, .deniedBusy:
                break
            }
        }
        return actions
    }

    /// The next time `tick` has something to do, if any.
    public var nextDeadline: UInt64? {
        var next: UInt64?
        for member in members.values {
            let t: UInt64
            switch member.talk {
            case .talking(let since, let last):
                let silent = last &+ Self.silenceTimeout
                t = maxTalk.map { min(since &+ $0, silent) } ?? silent
            case .cutOff(let last):
                t = last &+ Self.silenceTimeout
            case .idle, .deniedBusy:
                continue
            }
            next = min(next ?? t, t)
        }
        return next
    }

    private mutating func cutOff(_ id: UInt32, now: UInt64, reason: Deny.Reason = .tooLong, by: UInt32? = nil) -> [RoomAction] {
        guard let member = members[id] else { return [] }
        members[id]?.talk = .cutOff(last: now)
        if holder == id { holder = nil }
        return [.send(to: id, .deny(Deny(reason: reason, holder: by))), talkOffNotice(id, member)]
    }

    /// The roster as `welcome.peers` shows it.
    public var peers: [Peer] {
        order.compactMap { id in members[id].map { Peer(id: id, name: $0.name, listen: $0.listen, talking: $0.isTalking && $0.directTo == nil, op: $0.op) } }
    }

    // MARK: The floor across relays

    /// A member's `talk` on refused because another member holds the floor elsewhere in the
    /// cluster (the shared floor said so): `deny busy`, and the rest of its spurt dropped.
    public mutating func refuseFloor(_ id: UInt32, holder: UInt32) -> [RoomAction] {
        guard members[id] != nil else { return [] }
        members[id]?.talk = .deniedBusy
        return [.send(to: id, .deny(Deny(reason: .busy, holder: holder)))]
    }

    /// The shared floor went to someone else: whoever holds it here stops (its `talk` off on
    /// its behalf) and the floor is free for the newcomer's `talk` on.
    public mutating func yieldFloor() -> [RoomAction] {
        guard let h = holder, let member = members[h] else {
            holder = nil
            return []
        }
        holder = nil
        guard member.isTalking else { return [] }
        members[h]?.talk = .deniedBusy
        return [talkOffNotice(h, member)]
    }

    // MARK: Operators

    /// An `op` request: carried out and announced when it comes from an operator and names a
    /// member who is not one; otherwise refused with `deny`.
    private mutating func operatorRequest(_ object: JSONObject, from id: UInt32, now: UInt64) -> [RoomAction] {
        guard members[id]?.op == true else { return [.send(to: id, .deny(Deny(reason: .notOperator)))] }
        guard let request = OperatorRequest.parse(object) else { return [.send(to: id, .deny(Deny(reason: .badRequest)))] }
        let target: UInt32?
        switch request.target {
        case .id(let t): target = members[t] != nil ? t : nil
        case .name(let name): target = order.first { members[$0]?.name == name } ?? member(withKey: Validation.nameSkeleton(name))
        case .room:
            historyOff = !request.on
            let name = members[id]?.name ?? "#\(id)"
            return [.broadcast(Moderation(action: request.on ? .historyOn : .historyOff, id: id, name: name, by: id).message, except: nil)]
        }
        guard let t = target, let member = members[t] else { return [.send(to: id, .deny(Deny(reason: .noSuchMember)))] }
        guard t != id, !member.op else { return [.send(to: id, .deny(Deny(reason: .protected, holder: t)))] }
        switch request.action {
        case .kick:
            return [.broadcast(Moderation(action: .kick, id: t, name: member.name, by: id, minutes: request.minutes).message, except: nil),
                    .remove(id: t, minutes: request.minutes, by: id)]
        case .mute, .unmute:
            let mute = request.action == .mute
            members[t]?.mutedBy = mute ? id : nil
            var actions: [RoomAction] = []
            if mute, member.isTalking { actions += cutOff(t, now: now, reason: .muted, by: id) }
            return actions + [.broadcast(Moderation(action: mute ? .mute : .unmute, id: t, name: member.name, by: id).message, except: nil)]
        case .history:
            return [.send(to: id, .deny(Deny(reason: .badRequest)))]
        case .end:
            guard member.isTalking else { return [.send(to: id, .deny(Deny(reason: .notTalking, holder: t)))] }
            return cutOff(t, now: now, reason: .ended, by: id)
                + [.broadcast(Moderation(action: .end, id: t, name: member.name, by: id).message, except: nil)]
        }
    }
}
