import NIOCore
import NIOPosix
@testable import PTTRelay
import Testing

/// Pipelined HTTP requests whose answers are never read: the relay closes such a connection
/// instead of holding thousands of responses, and keeps answering everyone else at once; a
/// client that pipelines a few requests gets every answer.
@Suite struct PipeliningTests {
    @Test func aFloodOfPipelinedRequestsIsCutOffAndOthersAreStillAnswered() async throws {
        try await withRelay { relay in
            let port = relay.address.port
            let attackers = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            // As the attack: 50 connections × 8,000 `GET /healthz` (13.6 MB), nothing read back.
            let flood = ByteBuffer(string: String(repeating: "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", count: 8_000))
            var channels: [any Channel] = []
            for _ in 0..<50 {
                let channel = try await ClientBootstrap(group: attackers)
                    .channelOption(.autoRead, value: false)
                    .connect(host: "127.0.0.1", port: port).get()
                channel.writeAndFlush(flood, promise: nil)
                channels.append(channel)
            }
            // Each is closed by the relay.
            for channel in channels {
                let closed = try await withThrowingTaskGroup(of: Bool.self) { group in
                    group.addTask { try? await channel.closeFuture.get(); return true }
                    group.addTask { try await Task.sleep(for: .seconds(10)); return false }
                    defer { group.cancelAll() }
                    return try await group.next() ?? false
                }
                #expect(closed, "a flooding connection stayed open")
            }
            let start = ContinuousClock.now
            #expect(try await httpGet(port: port, "/healthz").status == 200)
            #expect(ContinuousClock.now - start < .seconds(1))
            // Three pipelined requests, read as they come: three answers.
            let three = try await httpExchange(port: port, String(repeating: "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", count: 2)
                                               + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(three.status == 200)
            #expect(three.body.components(separatedBy: "HTTP/1.1 200").count == 3, "\(three.body)")
            try await attackers.shutdownGracefully()
        }
    }
}
