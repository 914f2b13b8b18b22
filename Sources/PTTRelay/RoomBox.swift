import NIOCore
import PTTRelayCore
import Synchronization

/// One room: its state machine and the connections of its members, behind one mutex.
/// Everything a room sends is decided while that mutex is held and handed to the members'
/// event loops in that order (`post`), so every member sees the room's events in one order
/// (welcome before anything else, join before the newcomer's messages, a talker's `talk` off
/// before its `leave`). Audio in mid-spurt skips the hop to the loop it is already on when
/// nothing the room sent there still waits (`deliversAtOnce`): on one loop per core that is
/// every frame whose talker shares its listeners' loop.
final class RoomBox: Sendable {
    struct Core: Sendable {
        var room: RoomState
        var members: [UInt32: MemberConnection] = [:]
        /// The members grouped by event loop: a message for the room costs one hop per loop.
        var groups: [LoopGroup] = []
        /// What the room handed to each event loop it has sent to, not yet run there.
        private var backlogs: [LoopBacklog] = []
        /// Removed from the hub: a joiner that finds this retries with a fresh room.
        var removed = false
        /// What changed in the room, for statistics, telemetry and recordings.
        var activity = RoomActivity()
        /// Members on other relays of the cluster, with the relay (node) each is on.
        var remote: [UInt32: UInt32] = [:]
        /// The last spurts recorded (with `--record`), for members who ask (`history`).
        var recent = RecentSpurts()
        /// When each member last asked for them: once every 2 s.
        var historyAsked: [UInt32: UInt64] = [:]

        init(room: RoomState) { self.room = room }

        mutating func add(_ id: UInt32, _ conn: MemberConnection) {
            members[id] = conn
            if let i = groups.firstIndex(where: { $0.loop === conn.eventLoop }) {
                groups[i].members.append((id, conn))
            } else {
                groups.append(LoopGroup(backlog: backlog(for: conn.eventLoop), members: [(id, conn)]))
            }
        }

        mutating func remove(_ id: UInt32) {
            guard members.removeValue(forKey: id) != nil else { return }
            for i in groups.indices { groups[i].members.removeAll { $0.id == id } }
            groups.removeAll { $0.members.isEmpty }
        }

        /// Runs `body` on `loop` after everything the room handed to that loop before.
        mutating func post(to loop: any EventLoop, _ body: @escaping @Sendable () -> Void) {
            backlog(for: loop).post(body)
        }

        /// The counter for `loop`; one per event loop the room ever sent to (at most one per core).
        private mutating func backlog(for loop: any EventLoop) -> LoopBacklog {
            if let b = backlogs.first(where: { $0.loop === loop }) { return b }
            let b = LoopBacklog(loop)
            backlogs.append(b)
            return b
        }
    }

    struct LoopGroup: Sendable {
        let backlog: LoopBacklog
        var members: [(id: UInt32, conn: MemberConnection)]
        var loop: any EventLoop { backlog.loop }

        /// Runs `body` on the group's loop after everything the room handed to it before.
        func post(_ body: @escaping @Sendable () -> Void) { backlog.post(body) }

        /// Whether the caller, holding the room's mutex, may deliver to the group itself right
        /// after releasing it without overtaking anything: it runs on the group's loop and
        /// nothing the room handed to that loop is still waiting. (Whatever others post after
        /// the mutex is released runs on this loop after the caller returns.)
        var deliversAtOnce: Bool { backlog.loop.inEventLoop && backlog.idle }
    }

    /// Counts what a room handed to an event loop that has not run yet. Incremented under the
    /// room's mutex, decremented on the loop itself: read on that loop under the mutex, zero
    /// means the loop has run all of it.
    final class LoopBacklog: Sendable {
        let loop: any EventLoop
        private let pending = Atomic<Int>(0)

        init(_ loop: any EventLoop) { self.loop = loop }

        var idle: Bool { pending.load(ordering: .relaxed) == 0 }

        func post(_ body: @escaping @Sendable () -> Void) {
            pending.add(1, ordering: .relaxed)
            loop.execute {
                body()
                self.pending.subtract(1, ordering: .relaxed)
            }
        }
    }

    let name: String
    let core: Mutex<Core>

    init(_ room: RoomState) {
        name = room.name
        core = Mutex(Core(room: room))
    }
}
