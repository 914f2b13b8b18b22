import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PTTProtocol
import PTTRelayCore
import Synchronization
import PTTSystem

/// Where a running relay listens.
public struct RelayAddress: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var tls: Bool
    /// The base URL clients connect to, e.g. `ws://127.0.0.1:7700`.
    public var url: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "\(tls ? "wss" : "ws")://\(h):\(port)"
    }
    public var description: String { url }
}

/// A ptt relay (PROTOCOL.md §5, §7) on Hummingbird.
///
/// Start it with `run(onListening:)` (it returns when the relay has stopped); stop it with
/// `shutdown()` from any task or thread: every connection gets `error` `shutdown` and close
/// 1001, then the server stops, within about 1.5 seconds.
///
/// ```swift
/// let relay = try RelayServer(settings: settings, logger: logger)
/// async let stopped: Void = relay.run { address in print("listening on \(address)") }
/// ...
/// relay.shutdown()
/// try await stopped
/// ```
///
/// Concurrency: Hummingbird runs one task per connection (the reader, `WebSocketSession`),
/// which hands data frames over to the event loop (`InboundFastPath`) and starts one closer
/// task (`MemberConnection.runCloser`). Outbound messages are written
/// on each channel's event loop, one `execute` per loop per message (`Hub`, `RoomBox`). One
/// ticker task drives every room's and connection's timeouts. Shared state lives in `Hub`
/// (rooms, ids, connections), `RoomBox` (one room) and `MemberConnection` (one connection's
/// protocol state and queue), each behind its own mutex, taken in that order and held only to
/// decide and queue.
public final class RelayServer: Sendable {
    public let settings: RelaySettings
    let hub: Hub
    let logger: Logger
    private let tls: TLSConfiguration?
    private let stopRequests: AsyncStream<Void>
    private let stopper: AsyncStream<Void>.Continuation
    private let bound = Mutex<RelayAddress?>(nil)
    /// How often rooms' talk timers are checked (the 1 s silence and the talk limit), in nanoseconds.
    static let tickNanos: UInt64 = 50_000_000

    /// Every how many ticks connections' timeouts and pings are checked: about 250 ms, finer
    /// when the timeouts are shorter (tests), so that a thousand idle connections cost nothing.
    static func connectionTickEvery(_ limits: RelayConnection.Limits) -> Int {
        let shortest = min(limits.helloTimeout, limits.idleTimeout, limits.pingInterval * 2)
        return max(1, min(5, Int(shortest / 4 / tickNanos)))
    }

    /// The TLS 1.2 cipher suites the relay accepts: forward secret (ECDHE) and authenticated
    /// encryption (AES-GCM, ChaCha20-Poly1305) only. TLS 1.3's suites are all of that kind;
    /// TLS 1.0 and 1.1 are refused.
    static let tls12CipherSuites = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// The SHA-256 fingerprint of the TLS certificate (`AB:CD:…`), when the relay serves TLS.
    public let fingerprint: String?

    /// Prepares a relay. Throws if the TLS certificate or key cannot be loaded.
    public init(settings: RelaySettings, logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        self.hub = Hub(settings: settings, logger: logger)
        if let cert = settings.tlsCert, let key = settings.tlsKey {
            let certificates = try NIOSSLCertificate.fromPEMFile(cert)
            // What clients compare before they trust a self-signed relay (`ptt trust`).
            fingerprint = try certificates.first.map { KnownFingerprint.sha256(try $0.toDERBytes()) }
            let chain = certificates.map { NIOSSLCertificateSource.certificate($0) }
            let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
            var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(privateKey))
            configuration.minimumTLSVersion = .tlsv12
            configuration.cipherSuites = Self.tls12CipherSuites
            tls = configuration
        } else {
            tls = nil
            fingerprint = nil
        }
        (stopRequests, stopper) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The address the relay bound, once it is listening.
    public var address: RelayAddress? { bound.withLock { $0 } }

    /// Why the relay could not listen, in the system's words ("Address already in use") rather than
    /// NIO's description of the failed call.
    public static func describe(listenError error: any Error) -> String {
        if let e = error as? IOError { return String(cString: strerror(e.errnoCode)) }
        return String(describing: error)
    }

    /// Whether listening failed because something listens there already.
    public static func isAddressInUse(_ error: any Error) -> Bool { (error as? IOError)?.errnoCode == EADDRINUSE }

    /// Asks the relay to close every connection with 1001 and stop. Safe from any thread, any number of times.
    public func shutdown() { stopper.yield() }

    /// The event loops to run: one per CPU this process may use.
    static func eventLoopCount() -> Int { max(1, min(System.coreCount, Posix.usableCPUCount() ?? System.coreCount)) }

    /// Calls `observer` with a room's name whenever someone joins or leaves it (after the
    /// change, on the thread that made it: it must not block). Set before `run`; one observer.
    public func observeRooms(_ observer: @escaping @Sendable (String) -> Void) {
        hub.roomObserver.withLock { $0 = observer }
    }

    /// Members of `room` who may talk (listeners not counted); 0 when the room does not exist.
    public func speakers(in room: String) -> Int { hub.speakers(in: room) }

    /// Runs the relay until `shutdown()` (or cancellation). `onListening` gets the bound address.
    public func run(onListening: @escaping @Sendable (RelayAddress) async -> Void = { _ in }) async throws {
        let hub = self.hub
        let settings = self.settings
        let router = Router()
        HTTPEndpoints.add(to: router, hub: hub)
        StatsEndpoints.add(to: router, hub: hub)
        // Single frames over 16 KiB are refused by NIO's decoder itself (1009, without an
        // `error` message); up to that, and across fragments, WebSocketSession applies the
        // protocol's limits (4096 text, 1500 binary) with `error` `too-big`. This bounds what
        // one connection can make the relay buffer.
        let wsConfiguration = WebSocketServerConfiguration(
            maxFrameSize: 1 << 14, autoPing: .disabled, closeTimeout: .seconds(1))
        let channelConfiguration = HTTP1WebSocketUpgradeChannel.Configuration(
            http1: .init(additionalChannelHandlers: [PipeliningLimit()], idleTimeout: .seconds(30)), ws: wsConfiguration)
        let handshakeTimeout = TimeAmount.nanoseconds(Int64(min(settings.connection.helloTimeout, 60_000_000_000)))
        var server = HTTPServerBuilder { responder in
            HandshakeTimeoutChannel(
                base: HTTP1WebSocketUpgradeChannel(responder: responder, configuration: channelConfiguration) { head, channel, _ in
                    try await Self.decideUpgrade(head, channel: channel, settings: settings, hub: hub)
                },
                timeout: handshakeTimeout, hub: hub)
        }
        if let tls { server = try .tls(server, tlsConfiguration: tls) }
        let isTLS = tls != nil
        let stopping = QuietOnShutdownLogHandler.StopFlag()
        // One event loop per CPU the relay may use: its affinity mask and its cgroup's quota.
        // More loops than CPUs would only add a context switch to every frame a room sends to
        // members on another loop.
        let loops = Self.eventLoopCount()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: loops)
        defer { group.shutdownGracefully(queue: .global()) { _ in } }
        let app = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(settings.host, port: settings.port)),
            onServerRunning: { channel in
                let host = channel.localAddress?.ipAddress ?? settings.host
                let address = RelayAddress(host: host, port: channel.localAddress?.port ?? settings.port, tls: isTLS)
                self.bound.withLock { $0 = address }
                hub.logger.notice("listening", metadata: ["url": "\(address.url)", "event-loops": "\(loops)"])
                await onListening(address)
            },
            eventLoopGroupProvider: .shared(group),
            logger: Logger(label: "hummingbird") { [logger, stopping] _ in
                QuietOnShutdownLogHandler(base: logger.handler, stopping: stopping)
            }
        )
        hub.connectCluster()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            let every = Self.connectionTickEvery(settings.connection)
            group.addTask {
                var n = 0
                while !Task.isCancelled {
                    try await Task.sleep(for: .nanoseconds(Self.tickNanos))
                    n += 1
                    hub.tick(now: MonotonicClock.now(), connections: n % every == 0)
                }
            }
            group.addTask { [stopRequests] in
                for await _ in stopRequests { break }
            }
            // Whichever ends first: the server (an error), or a stop request.
            _ = try await group.next()
            hub.shutdown()
            let deadline = MonotonicClock.now() + 1_500 * .millisecond
            while hub.connectionCount > 0, MonotonicClock.now() < deadline {
                try? await Task.sleep(for: .milliseconds(10))
            }
            stopping.value.store(true, ordering: .relaxed)
            // Spurts still open end with the connections; their files are completed here.
            await hub.recorder?.finish()
            // Its members' leaves have gone out; then the cluster connection.
            hub.disconnectCluster()
            group.cancelAll()
        }
        logger.notice("stopped")
    }

    /// The upgrade checks of PROTOCOL.md §1, in order: token (401), subprotocol (400), path (400).
    static func decideUpgrade(_ head: HTTPRequest, channel: any Channel, settings: RelaySettings, hub: Hub) async throws
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    {
        switch UpgradeCheck.decide(
            authorization: head.headerFields[.authorization],
            protocols: head.headerFields[values: .secWebSocketProtocol],
            path: head.path ?? "",
            tokens: settings.tokens,
            operatorTokens: settings.operatorTokens,
            connections: hub.connectionCount,
            maxConnections: settings.maxConnections
        ) {
        case .refuse(let status, let headers, let why):
            hub.logger.info("refused", metadata: ["status": "\(status)", "reason": "\(why)"])
            try await channel.pipeline.addHandler(UpgradeRefusalHandler(status: .init(statusCode: status), headers: headers)).get()
            return .dontUpgrade
        case .accept(let room, let op):
            let box = ConnectionEventsHandler.Box()
            let slot = try? await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.handler(type: AddressSlotHandler.self).slot
            }.get()
            if settings.socketSendBuffer > 0 {
                try await channel.setOption(ChannelOptions.socketOption(.so_sndbuf), value: .init(settings.socketSendBuffer)).get()
            }
            try await channel.pipeline.addHandler(ConnectionEventsHandler(box: box), position: .first).get()
            return .upgrade([.secWebSocketProtocol: UpgradeCheck.subprotocol]) { inbound, outbound, _ in
                await WebSocketSession.run(inbound: inbound, outbound: outbound, room: room, op: op, channel: channel, address: slot,
                                          activity: box, hub: hub)
            }
        }
    }
}
