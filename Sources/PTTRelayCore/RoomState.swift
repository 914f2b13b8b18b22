import PTTProtocol

/// What a room asks its relay to send.
public enum RoomAction: Equatable, Sendable {
    /// A message of the relay's own to one member.
    case send(to: UInt32, ControlMessage)
    /// A message of the relay's own to every member but `except` (nil: everyone).
    case broadcast(ControlMessage, except: UInt32?)
    /// A member's message, already stamped, to every other member.
    case forward(JSONObject, from: UInt32)
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
    public mutating func admit(id: UInt32, name: String, key: String, listen: Bool, session: UInt32? = nil,
                               normalize: (String) -> String = { $0 }) -> Admission {
        if let holder = member(withKey: key) {
            if let session, members[holder]?.session == session { return .replace(holder) }
            let suggestion = Validation.suggestName(for: name, normalize: normalize) { member(withKey: $0) != nil }
            return .refuse(.nameTaken(name, room: self.name, suggestion: suggestion))
        }
        return .welcome(join(id: id, name: name, listen: listen, key: key, session: session))
    }

    /// Welcomes a new member: `welcome` to it, then `join` to the others. Nothing if the id or
    /// the name's skeleton `key` (by default without NFKC) is already in the room: see `admit`.
    public mutating func join(id: UInt32, name: String, listen: Bool, key: String? = nil, session: UInt32? = nil) -> [RoomAction] {
        let key = key ?? Validation.nameSkeleton(name)
        guard members[id] == nil, member(withKey: key) == nil else { return [] }
        let peers = order.compactMap { pid in members[pid].map { Peer(id: pid, name: $0.name, listen: $0.listen, talking: $0.isTalking) } }
        members[id] = Member(name: name, key: key, session: session, listen: listen, talk: .idle)
        order.append(id)
        return [
            .send(to: id, .welcome(Welcome(you: id, room: self.name, peers: peers, agent: agent, floor: floor))),
            .broadcast(.join(Peer(id: id, name: name, listen: listen)), except: id),
        ]
    }

    /// A member's connection ended: its `talk` off if it was talking, then `leave`.
    public mutating func leave(id: UInt32) -> [RoomAction] {
        guard let member = members.removeValue(forKey: id) else { return [] }
        order.removeAll { $0 == id }
        var actions: [RoomAction] = []
        if member.isTalking { actions.append(.broadcast(.talk(from: id, on: false), except: id)) }
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
        case .chat, .bye, .unknown:
            return [.forward(stamped, from: id)]
        }
    }

    private mutating func talkOn(_ id: UInt32, _ member: Member, _ stamped: JSONObject, now: UInt64) -> [RoomAction] {
        if member.listen { return [.send(to: id, .deny(Deny(reason: .listenOnly)))] }
        if floor == .single, let h = holder, h != id {
            members[id]?.talk = .deniedBusy
            return [.send(to: id, .deny(Deny(reason: .busy, holder: h)))]
        }
        if floor == .single { holder = id }
        members[id]?.talk = .talking(since: member.talk.since ?? now, last: now)
        return [.forward(stamped, from: id)]
    }

    private mutating func talkOff(_ id: UInt32, _ member: Member, _ stamped: JSONObject) -> [RoomAction] {
        if member.listen { return [] }
        switch member.talk {
        case .deniedBusy, .cutOff:
            members[id]?.talk = .idle
            return []
        case .talking, .idle:
            members[id]?.talk = .idle
            if holder == id { holder = nil }
            return [.forward(stamped, from: id)]
        }
    }

    // MARK: Audio

    /// An audio frame from a member: whether to forward it, and any messages its arrival causes
    /// (a cut-off at the maximum talk time).
    public mutating func receiveAudio(flags: AudioFrame.Flags, from id: UInt32, now: UInt64) -> (forward: Bool, actions: [RoomAction]) {
        guard let member = members[id], !member.listen else { return (false, []) }
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
                    if holder == id { holder = nil }
                    actions.append(.broadcast(.talk(from: id, on: false), except: id))
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

    private mutating func cutOff(_ id: UInt32, now: UInt64) -> [RoomAction] {
        members[id]?.talk = .cutOff(last: now)
        if holder == id { holder = nil }
        return [.send(to: id, .deny(Deny(reason: .tooLong))), .broadcast(.talk(from: id, on: false), except: id)]
    }

    /// The roster as `welcome.peers` shows it.
    public var peers: [Peer] {
        order.compactMap { id in members[id].map { Peer(id: id, name: $0.name, listen: $0.listen, talking: $0.isTalking) } }
    }
}
