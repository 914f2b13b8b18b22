import PTTProtocol

/// What relays of a cluster tell each other through NATS (docs/RELAY.md "Cluster").
///
/// Subjects: `ptt.r.HEX.a` (a member's audio frame, stamped), `ptt.r.HEX.t` (a member's control
/// message, stamped, as a relay forwards it), `ptt.r.HEX.m` (membership: joins, leaves, and the
/// roster a relay asks for when its first member of a room arrives), where HEX is the room name
/// in hexadecimal (room names may hold `.`, NATS's token separator); and `ptt.hb`, each relay's
/// heartbeat every second with the rooms it has members in.
public enum ClusterSubject {
    public static let heartbeat = "ptt.hb"

    public enum Kind: String, Sendable {
        case audio = "a", text = "t", members = "m"
    }

    /// `ptt.r.HEX.KIND`.
    public static func room(_ room: String, _ kind: Kind) -> String { "ptt.r.\(hex(room)).\(kind.rawValue)" }
    /// Every subject of a room: `ptt.r.HEX.*`.
    public static func roomWildcard(_ room: String) -> String { "ptt.r.\(hex(room)).*" }

    /// The room and kind of a room subject; nil for anything else.
    public static func parse(_ subject: String) -> (room: String, kind: Kind)? {
        let parts = subject.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "ptt", parts[1] == "r", let kind = Kind(rawValue: String(parts[3])),
              let room = unhex(parts[2]), Validation.isValidRoom(room) else { return nil }
        return (room, kind)
    }

    static func hex(_ s: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in s.utf8 { out += [digits[Int(b >> 4)], digits[Int(b & 15)]] }
        return String(decoding: out, as: UTF8.self)
    }

    static func unhex(_ s: Substring) -> String? {
        let bytes = Array(s.utf8)
        guard bytes.count % 2 == 0, bytes.count <= 2 * Validation.maxRoomLength else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            guard let hi = Validation.hexValue(bytes[i]), let lo = Validation.hexValue(bytes[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return String(validating: out, as: UTF8.self)
    }
}

/// A relay's news about its own members of one room (subject `ptt.r.HEX.m`), as JSON:
/// `{"node":7,"do":"join","peer":{…}}`, `{"node":7,"do":"leave","id":17}`,
/// `{"node":7,"do":"sync"}` (a relay's first member arrived: everyone, say your members),
/// `{"node":7,"do":"members","peers":[{…}]}` (the answer).
public struct ClusterMembership: Equatable, Sendable {
    public enum Change: Equatable, Sendable {
        case join(ClusterPeer)
        case leave(UInt32)
        case sync
        case members([ClusterPeer])
    }

    public var node: UInt32
    public var change: Change

    public init(node: UInt32, change: Change) {
        self.node = node
        self.change = change
    }

    public func encoded() -> [UInt8] {
        var o = JSONObject([("node", .int(Int64(node)))])
        switch change {
        case .join(let p):
            o["do"] = .string("join")
            o["peer"] = .object(Self.peer(p))
        case .leave(let id):
            o["do"] = .string("leave")
            o["id"] = .int(Int64(id))
        case .sync:
            o["do"] = .string("sync")
        case .members(let peers):
            o["do"] = .string("members")
            o["peers"] = .array(peers.map { .object(Self.peer($0)) })
        }
        return JSONValue.object(o).serialized()
    }

    static func peer(_ c: ClusterPeer) -> JSONObject {
        let p = c.peer
        var o = JSONObject([("id", .int(Int64(p.id))), ("name", .string(p.name)), ("listen", .bool(p.listen)),
                            ("talking", .bool(p.talking)), ("op", .bool(p.op))])
        if let session = c.session { o["session"] = .int(Int64(session)) }
        return o
    }

    static func peer(_ v: JSONValue?) -> ClusterPeer? {
        guard case .object(let o)? = v, case .int(let id)? = o["id"], Validation.isValidID(id),
              case .string(let name)? = o["name"], Validation.isValidName(name),
              case .bool(let listen)? = o["listen"] else { return nil }
        var talking = false, op = false
        if case .bool(let t)? = o["talking"] { talking = t }
        if case .bool(let b)? = o["op"] { op = b }
        var session: UInt32?
        if case .int(let s)? = o["session"], Validation.isValidID(s) { session = UInt32(s) }
        return ClusterPeer(Peer(id: UInt32(id), name: name, listen: listen, talking: talking, op: op), session: session)
    }

    /// Decodes a membership message; nil for anything malformed.
    public static func decode(_ bytes: [UInt8]) -> ClusterMembership? {
        guard bytes.count <= 1 << 20, case .object(let o)? = try? JSONValue.parse(bytes),
              case .int(let node)? = o["node"], Validation.isValidID(node), case .string(let verb)? = o["do"] else { return nil }
        let change: Change
        switch verb {
        case "join":
            guard let p = peer(o["peer"]) else { return nil }
            change = .join(p)
        case "leave":
            guard case .int(let id)? = o["id"], Validation.isValidID(id) else { return nil }
            change = .leave(UInt32(id))
        case "sync":
            change = .sync
        case "members":
            guard case .array(let list)? = o["peers"] else { return nil }
            change = .members(list.compactMap { peer($0) })
        default:
            return nil
        }
        return ClusterMembership(node: UInt32(node), change: change)
    }
}

/// A member as relays tell each other of it: as `welcome.peers` shows it, with the `from` of
/// its `hello` (`session`), by which a client that moves to another relay is known again.
public struct ClusterPeer: Equatable, Sendable {
    public var peer: Peer
    public var session: UInt32?

    public init(_ peer: Peer, session: UInt32? = nil) {
        self.peer = peer
        self.session = session
    }
}

/// A relay's heartbeat (`ptt.hb`): who it is, and its own members' rooms with their counts.
public struct ClusterHeartbeat: Equatable, Sendable {
    public var node: UInt32
    public var rooms: [RoomListing]

    public init(node: UInt32, rooms: [RoomListing]) {
        self.node = node
        self.rooms = rooms
    }

    public func encoded() -> [UInt8] {
        let list: [JSONValue] = rooms.map {
            .object(JSONObject([("name", .string($0.name)), ("members", .int(Int64($0.members))),
                                ("talkers", .int(Int64($0.talkers))), ("floor", .string($0.floor.rawValue))]))
        }
        return JSONValue.object(JSONObject([("node", .int(Int64(node))), ("rooms", .array(list))])).serialized()
    }

    public static func decode(_ bytes: [UInt8]) -> ClusterHeartbeat? {
        guard bytes.count <= 1 << 20, case .object(let o)? = try? JSONValue.parse(bytes),
              case .int(let node)? = o["node"], Validation.isValidID(node), case .array(let list)? = o["rooms"] else { return nil }
        let rooms: [RoomListing] = list.compactMap { v in
            guard case .object(let r) = v, case .string(let name)? = r["name"], Validation.isValidRoom(name),
                  case .int(let members)? = r["members"], case .int(let talkers)? = r["talkers"],
                  case .string(let f)? = r["floor"], let floor = Floor(rawValue: f) else { return nil }
            return RoomListing(name: name, members: Int(members), talkers: Int(talkers), floor: floor)
        }
        return ClusterHeartbeat(node: UInt32(node), rooms: rooms)
    }
}

/// The other relays as heartbeats show them: who was heard when, and their rooms. Pure.
public struct ClusterNodes: Sendable {
    /// Silence after which a relay counts as gone and its members leave (3 s).
    public static let timeout: UInt64 = 3_000_000_000
    public struct Node: Sendable {
        public var lastHeard: UInt64
        public var rooms: [RoomListing]
    }
    public private(set) var nodes: [UInt32: Node] = [:]

    public init() {}

    public mutating func heard(_ beat: ClusterHeartbeat, now: UInt64) {
        nodes[beat.node] = Node(lastHeard: now, rooms: beat.rooms)
    }

    /// A relay heard from by other means (membership news): alive, rooms unknown until its beat.
    public mutating func heard(node: UInt32, now: UInt64) {
        if nodes[node] == nil { nodes[node] = Node(lastHeard: now, rooms: []) } else { nodes[node]?.lastHeard = now }
    }

    /// The relays silent for `timeout`, forgotten now.
    public mutating func expire(now: UInt64) -> [UInt32] {
        let gone = nodes.filter { now &- $0.value.lastHeard >= Self.timeout }.map(\.key).sorted()
        for n in gone { nodes[n] = nil }
        return gone
    }

    /// Rooms of the other relays, counts summed per room.
    public var rooms: [String: RoomListing] {
        var all: [String: RoomListing] = [:]
        for node in nodes.values {
            for r in node.rooms {
                var sum = all[r.name] ?? RoomListing(name: r.name, members: 0, talkers: 0, floor: r.floor)
                sum.members += r.members
                sum.talkers += r.talkers
                all[r.name] = sum
            }
        }
        return all
    }
}
