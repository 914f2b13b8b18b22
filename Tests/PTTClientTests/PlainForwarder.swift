import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

/// The plainest WebSocket forwarder: connections grouped by URL path, every data message
/// forwarded to the other connections on the same path. No subprotocol, no ids, no checks:
/// what PROTOCOL.md §6 calls a plain forwarder.
final class PlainForwarder: Sendable {
    let rooms = Mutex<[String: [ObjectIdentifier: any Channel]]>([:])
    let serverChannel: Mutex<(any Channel)?> = Mutex(nil)

    /// Starts on 127.0.0.1; `port` 0 picks a free one.
    func start(port: Int = 0) async throws -> Int {
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: 1 << 16,
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
            upgradePipelineHandler: { [self] channel, head in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOWebSocketFrameAggregator(
                        minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 64, maxAccumulatedFrameSize: 1 << 16))
                    try channel.pipeline.syncOperations.addHandler(ForwardHandler(path: head.uri, hub: self))
                }
            })
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                }
            }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: port).get()
        serverChannel.withLock { $0 = channel }
        return channel.localAddress?.port ?? 0
    }

    /// Stops listening and drops every connection without a close frame.
    func stop() async {
        let server = serverChannel.withLock { s -> (any Channel)? in defer { s = nil }; return s }
        try? await server?.close()
        let all = rooms.withLock { r -> [any Channel] in defer { r = [:] }; return r.values.flatMap(\.values) }
        for c in all { try? await c.close() }
    }

    var connectionCount: Int { rooms.withLock { $0.values.map(\.count).reduce(0, +) } }

    func add(_ channel: any Channel, path: String) {
        rooms.withLock { $0[path, default: [:]][ObjectIdentifier(channel)] = channel }
    }

    func remove(_ channel: any Channel, path: String) {
        rooms.withLock { $0[path]?[ObjectIdentifier(channel)] = nil }
    }

    func forward(_ frame: WebSocketFrame, from channel: any Channel, path: String) {
        let others = rooms.withLock { ($0[path] ?? [:]).values.filter { $0 !== channel } }
        for other in others {
            let out = WebSocketFrame(fin: true, opcode: frame.opcode, data: frame.unmaskedData)
            other.writeAndFlush(out, promise: nil)
        }
    }
}

final class ForwardHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame
    let path: String
    let hub: PlainForwarder

    init(path: String, hub: PlainForwarder) {
        self.path = path
        self.hub = hub
    }

    func handlerAdded(context: ChannelHandlerContext) { hub.add(context.channel, path: path) }
    func channelInactive(context: ChannelHandlerContext) { hub.remove(context.channel, path: path) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            hub.forward(frame, from: context.channel, path: path)
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: frame.unmaskedData)))
                .whenComplete { _ in channel.close(promise: nil) }
        default:
            break
        }
    }
}
