import Glibc
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import PTTProtocol
import PTTSessionCore

/// Where and how to connect.
public struct ConnectOptions: Sendable {
    public var relay: RelayURL
    public var room: String
    /// Sent as `Authorization: Bearer`; never logged.
    public var token: String?
    /// PEM file of certificates to trust for `wss://` in addition to the system's.
    public var trustRootsPEM: String?
    /// Skip certificate verification (self-signed relays on a LAN); says so in the UI.
    public var insecureTLS: Bool = false
    /// The SHA-256 fingerprint (`AB:CD:…`) the relay's certificate was pinned to (`ptt trust`):
    /// that certificate alone is trusted there, whoever issued it.
    public var pinnedFingerprint: String?
    /// What to tell people to run about trust (`wss://host:port` as they gave it).
    public var trustURL: String?
    public var connectTimeout: TimeAmount = .seconds(5)
    /// Audio waiting in the socket's buffer beyond this is dropped, never queued: a stalled
    /// link must not turn into delay (4 KiB is about a second of 24 kbit/s Opus).
    public var maxPendingAudioBytes: Int = 4096

    public init(relay: RelayURL, room: String, token: String? = nil) {
        self.relay = relay
        self.room = room
        self.token = token
    }
}

/// Opens WebSocket connections with SwiftNIO, offering subprotocol `ptt.v1`.
///
/// Unlike a general-purpose client it reports what the protocol needs: the HTTP status of
/// a refused upgrade (400/401/403 are final) and the selected subprotocol (none means a
/// plain forwarder).
public struct WebSocketConnector: RelayConnector {
    public let options: ConnectOptions
    let group: any EventLoopGroup
    let sslContext: NIOSSLContext?

    public init(options: ConnectOptions, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.options = options
        self.group = group
        if options.relay.secure {
            var tls = TLSConfiguration.makeClientConfiguration()
            if let pem = options.trustRootsPEM {
                tls.additionalTrustRoots = [.file(pem)]
            }
            if options.insecureTLS { tls.certificateVerification = .none }
            sslContext = try NIOSSLContext(configuration: tls)
        } else {
            sslContext = nil
        }
    }

    public func connect(onEvent: @escaping @Sendable (any RelayTransport, TransportEvent) -> Void) -> any RelayTransport {
        let connection = WebSocketConnection(onEvent: onEvent)
        let requestPath = options.relay.path(room: options.room)
        var headers = HTTPHeaders()
        let relay = options.relay
        let defaultPort = relay.secure ? 443 : 80
        let hostHeader = relay.host.contains(":") ? "[\(relay.host)]" : relay.host
        headers.add(name: "Host", value: relay.port == defaultPort ? hostHeader : "\(hostHeader):\(relay.port)")
        headers.add(name: "Sec-WebSocket-Protocol", value: "ptt.v1")
        headers.add(name: "User-Agent", value: PTTVersion.clientAgent)
        if let token = options.token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        let request = HTTPRequestHead(version: .http1_1, method: .GET, uri: requestPath, headers: headers)
        let sslContext = self.sslContext
        let serverHostname = relay.host.first?.isNumber == true || relay.host.contains(":") ? nil : relay.host
        let trust = TrustCheck(options: options, serverHostname: serverHostname, connection: connection, group: group)

        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(options.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            // Past the high mark the channel is not writable and audio is dropped, not queued.
            .channelOption(.writeBufferWaterMark, value: .init(low: options.maxPendingAudioBytes / 2,
                                                                high: options.maxPendingAudioBytes))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        let ssl = try options.pinnedFingerprint.map {
                            try RelayTrust.pinnedHandler(context: sslContext, serverHostname: serverHostname, pinned: $0, presented: trust.presented)
                        } ?? NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname)
                        try channel.pipeline.syncOperations.addHandler(ssl)
                    }
                    let handshake = HandshakeHandler(request: request, connection: connection, trust: trust)
                    let upgrader = NIOWebSocketClientUpgrader(
                        maxFrameSize: ControlMessage.maxRelayMessageSize,
                        automaticErrorHandling: true,
                        upgradePipelineHandler: { channel, response in
                            let subprotocol = response.headers.first(name: "Sec-WebSocket-Protocol")
                            // The upgrader has added the frame decoder and encoder; the handshake
                            // handler goes, and the frame handlers follow the decoder.
                            return channel.pipeline.removeHandler(handshake).flatMapThrowing {
                                let sync = channel.pipeline.syncOperations
                                try sync.addHandler(NIOWebSocketFrameAggregator(
                                    minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 256,
                                    maxAccumulatedFrameSize: ControlMessage.maxRelayMessageSize))
                                try sync.addHandler(FrameHandler(connection: connection, subprotocol: subprotocol))
                            }
                        })
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        leftOverBytesStrategy: .forwardBytes,
                        withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                    try channel.pipeline.syncOperations.addHandler(handshake)
                }
            }
        bootstrap.connect(host: relay.host, port: relay.port).whenComplete { result in
            switch result {
            case .success(let channel):
                connection.attach(channel)
                // The handshake must finish in time too.
                channel.eventLoop.scheduleTask(in: options.connectTimeout) {
                    connection.handshakeTimedOut(secure: relay.secure)
                }
            case .failure(let error):
                if !trust.handle(error) { connection.fail(.unreachable(Self.describe(error))) }
            }
        }
        return connection
    }

    /// Added when a wss:// URL got no answer in time: a relay without TLS waits for a request
    /// it never gets.
    static let plainRelayHint = " (if it serves plain ws://, use a ws:// URL)"

    static func describe(_ error: any Error) -> String {
        if let e = error as? NIOConnectionError {
            if let first = e.connectionErrors.first { return describe(first.error) }
            if e.dnsAAAAError != nil || e.dnsAError != nil { return "host name not found" }
            return "cannot connect"
        }
        if let e = error as? IOError { return String(cString: strerror(e.errnoCode)) }
        if error is ChannelError { return "connect timed out" }
        // Something answers there, but not a WebSocket server.
        if error is HTTPParserError { return "the server there does not answer in HTTP (is it a relay?)" }
        if error is NIOHTTPClientUpgradeError { return "the server there did not accept a WebSocket (is it a relay?)" }
        if RelayTrust.isVerificationFailure(error) {
            return "the relay's TLS certificate is not trusted: trust it with ptt trust wss://HOST:PORT (it shows the fingerprint), or pass --tls-ca FILE"
        }
        if let e = error as? NIOSSLError { return "TLS failed: \(e)" }
        return String(describing: error)
    }
}

/// Writes the upgrade request when the channel becomes active and reports a refused upgrade.
final class HandshakeHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let request: HTTPRequestHead
    let connection: WebSocketConnection
    let trust: TrustCheck

    init(request: HTTPRequestHead, connection: WebSocketConnection, trust: TrustCheck) {
        self.request = request
        self.connection = connection
        self.trust = trust
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(request)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Only reached when the upgrade was refused: the upgrade handler forwards the response.
        if case .head(let response) = unwrapInboundIn(data) {
            connection.fail(.http(status: Int(response.status.code)))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A certificate not trusted is reported once its fingerprint is known.
        if !trust.isReporting { connection.fail(.unreachable("the relay closed the connection during the handshake")) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !trust.handle(error) { connection.fail(.unreachable(WebSocketConnector.describe(error))) }
        context.close(promise: nil)
    }
}

/// What one connection attempt knows about the relay's certificate, and how a verification
/// failure is reported: as changed when a pin did not match, else as not trusted with the
/// fingerprint a probe reads.
final class TrustCheck: Sendable {
    let options: ConnectOptions
    let serverHostname: String?
    let connection: WebSocketConnection
    let group: any EventLoopGroup
    /// The fingerprint offered, when a pin was checked against it.
    let presented = NIOLockedValueBox<String?>(nil)
    private let reporting = NIOLockedValueBox(false)

    init(options: ConnectOptions, serverHostname: String?, connection: WebSocketConnection, group: any EventLoopGroup) {
        self.options = options
        self.serverHostname = serverHostname
        self.connection = connection
        self.group = group
    }

    var isReporting: Bool { reporting.withLockedValue { $0 } }

    /// Takes a failure that is about trust; false for any other.
    func handle(_ error: any Error) -> Bool {
        guard options.relay.secure, !options.insecureTLS, RelayTrust.isVerificationFailure(error) else { return false }
        let first = reporting.withLockedValue { r -> Bool in
            defer { r = true }
            return !r
        }
        guard first else { return true }
        let relay = options.relay
        let address = KnownRelays.address(host: relay.host, port: relay.port)
        let url = options.trustURL ?? "wss://\(address)"
        let connection = self.connection
        if let pinned = options.pinnedFingerprint {
            connection.fail(.untrusted(RelayTrust.changedMessage(url: url, address: address, remembered: pinned,
                                                                 presented: presented.withLockedValue { $0 })))
            return true
        }
        RelayTrust.probe(host: relay.host, port: relay.port, serverHostname: serverHostname, group: group).whenComplete { result in
            let fingerprint = (try? result.get()) ?? nil
            connection.fail(.untrusted(RelayTrust.untrustedMessage(url: url, address: address, fingerprint: fingerprint)))
        }
        return true
    }
}

/// Turns WebSocket frames into transport events; answers pings and close frames.
final class FrameHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let connection: WebSocketConnection
    let subprotocol: String?

    init(connection: WebSocketConnection, subprotocol: String?) {
        self.connection = connection
        self.subprotocol = subprotocol
    }

    func handlerAdded(context: ChannelHandlerContext) {
        connection.opened(subprotocol: subprotocol)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if let kind = MessageKind(frame.opcode) {
            connection.deliver(kind.event(Array(buffer: frame.unmaskedData)))
            return
        }
        switch frame.opcode {
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            var data = frame.unmaskedData
            let code = data.readInteger(as: UInt16.self)
            connection.receivedClose(code: code)
            // Echo the close (RFC 6455 §5.5.1), then let the server end TCP.
            if connection.markCloseSent() {
                var echo = context.channel.allocator.buffer(capacity: 2)
                echo.writeInteger(code ?? 1000)
                let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: echo)
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { _ in channel.close(promise: nil) }
            } else {
                context.close(promise: nil)
            }
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.ended()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
