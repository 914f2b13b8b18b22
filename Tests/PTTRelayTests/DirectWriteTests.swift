import NIOCore
import NIOEmbedded
import NIOPosix
@testable import PTTRelay
import Synchronization
import Testing

/// The relay's writes straight to a member's socket (`DirectSocket`, `RawWriteHandler`): bytes
/// keep their order when the socket fills and the rest waits in the channel, writes through the
/// pipeline never overtake or get overtaken, and closing the channel closes the connection.
@Suite struct DirectWriteTests {
    /// Collects what a client connection receives.
    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let bytes = Mutex<[UInt8]>([])
        let ended = Mutex(false)
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            bytes.withLock { $0 += buffer.readableBytesView }
        }
        func channelInactive(context: ChannelHandlerContext) { ended.withLock { $0 = true } }
    }

    struct Accepted: @unchecked Sendable {
        let channel: any Channel
        let handler: RawWriteHandler
    }

    /// A server whose accepted connection has a `RawWriteHandler` in its pipeline, and a client
    /// connected to it that reads nothing until told (`autoRead` off).
    static func connected(_ group: MultiThreadedEventLoopGroup) async throws -> (Accepted, any Channel, Collector) {
        let accepted = group.next().makePromise(of: Accepted.self)
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = RawWriteHandler(direct: true)
                    try channel.pipeline.syncOperations.addHandler(handler)
                    accepted.succeed(Accepted(channel: channel, handler: handler))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let collector = Collector()
        let client = try await ClientBootstrap(group: group)
            .channelOption(.autoRead, value: false)
            .channelInitializer { $0.pipeline.addHandler(collector) }
            .connect(to: server.localAddress!).get()
        let side = try await accepted.futureResult.get()
        server.close(promise: nil)
        return (side, client, collector)
    }

    /// A 1,000-byte record holding its index.
    static func record(_ i: Int) -> ByteBuffer {
        var b = ByteBuffer()
        for _ in 0..<250 { b.writeInteger(UInt32(i)) }
        return b
    }

    @Test func bytesKeepTheirOrderWhenTheSocketFillsAndThePipelineWritesToo() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let (server, client, collector) = try await Self.connected(group)
        let count = 20_000  // 20 MB: far more than the socket buffers hold while nobody reads
        let waited = try await server.channel.eventLoop.submit { () -> (Bool, Int) in
            var flush = false
            for i in 0..<count {
                if i % 97 == 0 {
                    // What the WebSocket layer writes (pongs, close frames) goes through the pipeline.
                    server.channel.write(Self.record(i), promise: nil)
                    flush = true
                } else if server.handler.write(Self.record(i)) == .inChannel {
                    flush = true
                }
            }
            if flush { _ = server.handler.flush() }
            return (server.handler.writesDirectly, server.handler.waitingInChannel)
        }.get()
        #expect(waited.0, "the connection's socket was not found")
        #expect(waited.1 > 0, "the socket never filled, so the channel's part was not exercised")
        try await client.setOption(.autoRead, value: true).get()
        let deadline = ContinuousClock.now + .seconds(20)
        while collector.bytes.withLock({ $0.count }) < count * 1000 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let bytes = collector.bytes.withLock { $0 }
        #expect(bytes.count == count * 1000)
        var misplaced = 0
        for i in 0..<min(count, bytes.count / 1000) {
            let at = i * 1000
            let value = Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            if value != i || bytes[at + 996] != bytes[at] || bytes[at + 999] != bytes[at + 3] { misplaced += 1 }
        }
        #expect(misplaced == 0, "\(misplaced) records out of place")
        #expect(try await server.channel.eventLoop.submit { server.handler.waitingInChannel }.get() == 0)
        try await client.close()
        try await group.shutdownGracefully()
    }

    @Test func closingTheChannelEndsTheConnectionAlthoughTheSocketWasDuplicated() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let (server, client, collector) = try await Self.connected(group)
        try await client.setOption(.autoRead, value: true).get()
        let written = try await server.channel.eventLoop.submit { server.handler.write(Self.record(7)) }.get()
        #expect(written == .sent)
        try await server.channel.close()
        let deadline = ContinuousClock.now + .seconds(5)
        while !collector.ended.withLock({ $0 }) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(collector.ended.withLock { $0 }, "the client never saw the connection end")
        #expect(collector.bytes.withLock { $0.count } == 1000)
        try await group.shutdownGracefully()
    }

    @Test func aChannelWithoutASocketIsWrittenThroughThePipeline() throws {
        let channel = EmbeddedChannel()
        #expect(DirectSocket.duplicate(of: channel) == nil)
        let handler = RawWriteHandler(direct: true)
        try channel.pipeline.syncOperations.addHandler(handler)
        #expect(!handler.writesDirectly)
        #expect(handler.write(Self.record(1)) == .inChannel)
        _ = handler.flush()
        let out = try channel.readOutbound(as: ByteBuffer.self)
        #expect(out == Self.record(1))
        _ = try channel.finish()
    }
}
