import NIOCore
import NIOPosix
@testable import PTTRelay
import Synchronization
import Testing

/// What lets a room deliver mid-spurt audio on the talker's own event loop without a hop: it may
/// only while nothing it handed to that loop still waits, and only on that loop.
@Suite struct LoopBacklogTests {
    @Test func aLoopWithWorkStillWaitingIsNotIdleUntilItRan() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let backlog = RoomBox.LoopBacklog(loop)
        let order = Mutex<[String]>([])
        let seen = try await loop.submit { () -> [Bool] in
            var seen = [backlog.idle]
            backlog.post { order.withLock { $0.append("posted") } }
            seen.append(backlog.idle)
            order.withLock { $0.append("caller") }
            return seen
        }.get()
        #expect(seen == [true, false])
        // Whatever was handed over runs after the caller returns, in order; then the loop is idle.
        let after = try await loop.submit { backlog.idle }.get()
        #expect(after)
        #expect(order.withLock { $0 } == ["caller", "posted"])
        try await group.shutdownGracefully()
    }

    @Test func aGroupDeliversAtOnceOnlyOnItsOwnIdleLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let (a, b) = (group.next(), group.next())
        #expect(a !== b)
        let members = RoomBox.LoopGroup(backlog: RoomBox.LoopBacklog(a), members: [])
        #expect(!members.deliversAtOnce, "off its loop")
        #expect(try await a.submit { members.deliversAtOnce }.get())
        #expect(try await b.submit { members.deliversAtOnce }.get() == false)
        let busy = try await a.submit { () -> Bool in
            members.post {}
            return members.deliversAtOnce
        }.get()
        #expect(!busy, "something handed to the loop still waits")
        try await group.shutdownGracefully()
    }
}
