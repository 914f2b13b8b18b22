import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import PTTProtocol
import Synchronization

/// A single HTTP GET to a relay's plain endpoints (`/rooms`, `/stats`), on the relay's
/// host and port, over TLS for `wss://` relays. Answers are capped at 1 MiB.
public enum HTTPFetch {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static let maxBody = 1 << 20

    public static func get(_ relay: RelayURL, path: String, token: String? = nil, insecureTLS: Bool = false,
                           trustRootsPEM: String? = nil, timeout: TimeAmount = .seconds(5)) async throws -> (status: Int, body: [UInt8]) {
        var sslContext: NIOSSLContext?
        if relay.secure {
            var tls = TLSConfiguration.makeClientConfiguration()
            if let trustRootsPEM { tls.additionalTrustRoots = [.file(trustRootsPEM)] }
            if insecureTLS { tls.certificateVerification = .none }
            sslContext = try NIOSSLContext(configuration: tls)
        }
        let promise = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: (Int, [UInt8]).self)
        var headers = HTTPHeaders()
        let defaultPort = relay.secure ? 443 : 80
        let hostHeader = relay.host.contains(":") ? "[\(relay.host)]" : relay.host
        headers.add(name: "Host", value: relay.port == defaultPort ? hostHeader : "\(hostHeader):\(relay.port)")
        headers.add(name: "User-Agent", value: PTTVersion.clientAgent)
        headers.add(name: "Connection", value: "close")
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: relay.basePath + path, headers: headers)
        let serverHostname = relay.host.first?.isNumber == true || relay.host.contains(":") ? nil : relay.host
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(request: head, promise: promise))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: relay.host, port: relay.port).get()
        } catch {
            promise.fail(error)
            throw Failure(description: "cannot reach the relay at \(relay): \(WebSocketConnector.describe(error))")
        }
        let timer = channel.eventLoop.scheduleTask(in: timeout) {
            promise.fail(Failure(description: "the relay at \(relay) did not answer in time" + (relay.secure ? WebSocketConnector.plainRelayHint : "")))
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        let (status, body) = try await promise.futureResult.get()
        return (status, body)
    }
}

final class ResponseCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let request: HTTPRequestHead
    let promise: EventLoopPromise<(Int, [UInt8])>
    let state = Mutex<(status: Int, body: [UInt8], done: Bool)>((0, [], false))

    init(request: HTTPRequestHead, promise: EventLoopPromise<(Int, [UInt8])>) {
        self.request = request
        self.promise = promise
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(request)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            state.withLock { $0.status = Int(head.status.code) }
        case .body(let buffer):
            let tooBig = state.withLock { s -> Bool in
                s.body += buffer.readableBytesView
                return s.body.count > HTTPFetch.maxBody
            }
            if tooBig { finish(context, .failure(HTTPFetch.Failure(description: "the relay's answer is over 1 MiB"))) }
        case .end:
            let (status, body) = state.withLock { ($0.status, $0.body) }
            finish(context, .success((status, body)))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(context, .failure(HTTPFetch.Failure(description: "the relay closed the connection before answering")))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(context, .failure(HTTPFetch.Failure(description: WebSocketConnector.describe(error))))
    }

    func finish(_ context: ChannelHandlerContext, _ result: Result<(Int, [UInt8]), any Error>) {
        let first = state.withLock { s -> Bool in defer { s.done = true }; return !s.done }
        guard first else { return }
        promise.completeWith(result)
        context.close(promise: nil)
    }
}
