import PTTProtocol

/// Who is in the room and who is talking, as a client sees it.
///
/// Fed by the relay's `welcome`/`join`/`leave`/`talk` and by START/END flags on frames;
/// through a plain forwarder by `hello` and by any sign of presence (PROTOCOL.md §6).
/// Time is passed in as nanoseconds on the monotonic clock.
public struct Roster: Equatable, Sendable {
    public struct Member: Equatable, Sendable {
        public var id: UInt32
        /// nil until a forwarder peer's `hello` arrives.
        public var name: String?
        public var listen: Bool
        public var talking: Bool
        /// Last time anything arrived from this member (forwarder pruning, silence).
        public var lastHeard: UInt64
        /// Last audio frame or `talk on` (the 1 s silence rule).
        public var lastTalkActivity: UInt64
        /// Its microphone is muted (its `mic` message).
        public var micMuted = false
        /// An operator of the room.
        public var op = false
        /// An operator muted it: the relay drops its audio.
        public var mutedByOperator = false
        /// Its spurt under way is for us alone (direct talk).
        public var directToMe = false

        public var displayName: String { name ?? "#\(id)" }
    }

    /// What changed, for the UI and `--json` events.
    public enum Change: Equatable, Sendable {
        case joined(Member)
        case left(Member)
        case renamed(Member)
        case talkStarted(Member)
        case talkStopped(Member)
        case micChanged(Member)
    }

    /// A talking member silent this long (nanoseconds) has ended its spurt (a lost END).
    public static let talkSilenceTimeout: UInt64 = 1 * .second
    /// Through a plain forwarder, a peer not heard from this long (nanoseconds) has gone.
    public static let forwarderPeerTimeout: UInt64 = 15 * .second
    /// Through a plain forwarder, at most this many members: anyone there can invent ids, and
    /// a peer beyond the bound is not added (nor is its audio played) until others have gone.
    public static let maxForwarderPeers = 256

    public private(set) var members: [UInt32: Member] = [:]

    public init() {}

    /// Members sorted by name, then id: the order the UI shows.
    public var sorted: [Member] {
        members.values.sorted { ($0.displayName, $0.id) < ($1.displayName, $1.id) }
    }

    public subscript(id: UInt32) -> Member? { members[id] }

    public var talkers: [Member] { sorted.filter(\.talking) }

    /// Replaces everything with a relay's `welcome.peers`.
    public mutating func reset(peers: [Peer], now: UInt64) -> [Change] {
        let old = members
        members = [:]
        var changes: [Change] = old.values.filter { $0.talking }.map { var m = $0; m.talking = false; return .talkStopped(m) }
        for p in peers {
            var m = Member(id: p.id, name: p.name, listen: p.listen, talking: p.talking, lastHeard: now, lastTalkActivity: now)
            m.op = p.op
            members[p.id] = m
            if old[p.id] == nil { changes.append(.joined(m)) }
            if p.talking { changes.append(.talkStarted(m)) }
        }
        for m in old.values where members[m.id] == nil { changes.append(.left(m)) }
        return changes
    }

    /// Empties the roster (a connection ended).
    public mutating func clear() -> [Change] {
        let changes = members.values.sorted { $0.id < $1.id }.flatMap { m -> [Change] in
            var stopped = m
            stopped.talking = false
            return m.talking ? [.talkStopped(stopped), .left(stopped)] : [.left(m)]
        }
        members = [:]
        return changes
    }

    /// A member joined or (through a forwarder) introduced itself.
    public mutating func upsert(id: UInt32, name: String?, listen: Bool, now: UInt64) -> [Change] {
        if var m = members[id] {
            m.lastHeard = now
            let renamed = name != nil && m.name != name
            if let name { m.name = name }
            m.listen = listen
            members[id] = m
            return renamed ? [.renamed(m)] : []
        }
        let m = Member(id: id, name: name, listen: listen, talking: false, lastHeard: now, lastTalkActivity: now)
        members[id] = m
        return [.joined(m)]
    }

    /// A member left.
    public mutating func remove(id: UInt32) -> [Change] {
        guard var m = members.removeValue(forKey: id) else { return [] }
        if m.talking {
            m.talking = false
            return [.talkStopped(m), .left(m)]
        }
        return [.left(m)]
    }

    /// Something arrived from `id`. Through a forwarder an unknown id is a present peer, up to
    /// `maxForwarderPeers` members.
    public mutating func heard(id: UInt32, now: UInt64, addUnknown: Bool) -> [Change] {
        if let index = members.index(forKey: id) {
            members.values[index].lastHeard = now
            return []
        }
        return addUnknown && members.count < Self.maxForwarderPeers ? upsert(id: id, name: nil, listen: false, now: now) : []
    }

    /// `talk` on/off, or START/END on a frame.
    public mutating func setTalking(id: UInt32, _ on: Bool, now: UInt64, direct: Bool = false) -> [Change] {
        guard var m = members[id] else { return [] }
        if on { m.lastTalkActivity = now }
        let changed = m.talking != on || (on && m.directToMe != direct)
        m.talking = on
        m.directToMe = on && direct
        members[id] = m
        guard changed else { return [] }
        return [on ? .talkStarted(m) : .talkStopped(m)]
    }

    /// `join`'s or `welcome`'s operator mark.
    public mutating func setOperator(id: UInt32, _ op: Bool) {
        if let i = members.index(forKey: id) { members.values[i].op = op }
    }

    /// An operator muted or unmuted `id`.
    public mutating func setMutedByOperator(id: UInt32, _ muted: Bool) -> Member? {
        guard let i = members.index(forKey: id) else { return nil }
        members.values[i].mutedByOperator = muted
        return members.values[i]
    }

    /// `mic` from `id`: its microphone is muted or not.
    public mutating func setMicMuted(id: UInt32, _ muted: Bool) -> [Change] {
        guard var m = members[id], m.micMuted != muted else { return [] }
        m.micMuted = muted
        members[id] = m
        return [.micChanged(m)]
    }

    /// An audio frame from `id`: keeps its spurt alive, starts one on START, ends one on END.
    /// Runs for every received frame: members are updated through their index, as
    /// `members[id]?.field = …` allocates a temporary for the member each time.
    public mutating func frame(from id: UInt32, flags: AudioFrame.Flags, now: UInt64) -> [Change] {
        guard let index = members.index(forKey: id) else { return [] }
        members.values[index].lastTalkActivity = now
        members.values[index].lastHeard = now
        var changes: [Change] = []
        if flags.contains(.start) || !members.values[index].talking && !flags.contains(.end) {
            changes += setTalking(id: id, true, now: now)
        }
        if flags.contains(.end) { changes += setTalking(id: id, false, now: now) }
        return changes
    }

    /// The earliest time `expire` would change something: a talker's 1 s of silence, or
    /// through a forwarder a peer's 15 s; nil when nothing can expire.
    public func nextExpiry(forwarder: Bool) -> UInt64? {
        var earliest: UInt64?
        for m in members.values {
            if forwarder { earliest = Self.earlier(earliest, m.lastHeard + Self.forwarderPeerTimeout) }
            if m.talking { earliest = Self.earlier(earliest, m.lastTalkActivity + Self.talkSilenceTimeout) }
        }
        return earliest
    }

    static func earlier(_ a: UInt64?, _ b: UInt64) -> UInt64 { a.map { min($0, b) } ?? b }

    /// Ends spurts silent for 1 s; through a forwarder, forgets peers silent for 15 s.
    public mutating func expire(now: UInt64, forwarder: Bool) -> [Change] {
        var changes: [Change] = []
        for m in members.values.sorted(by: { $0.id < $1.id }) {
            if forwarder, elapsed(from: m.lastHeard, to: now) >= Self.forwarderPeerTimeout {
                changes += remove(id: m.id)
            } else if m.talking, elapsed(from: m.lastTalkActivity, to: now) >= Self.talkSilenceTimeout {
                changes += setTalking(id: m.id, false, now: now)
            }
        }
        return changes
    }
}
