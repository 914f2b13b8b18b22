import Logging
import PTTProtocol
import PTTRelayCore
import PTTRelay

/// `ptt join --host`: a relay inside the client, so a team can talk with no server.
struct HostedRelay: Sendable {
    let server: RelayServer
    let task: Task<Void, any Error>
    /// Where this process connects (loopback when bound to every interface).
    let localURL: RelayURL
    /// What others on the network use.
    let shareURLs: [String]

    struct StartError: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts a relay on `bind` and waits until it listens (at most 5 s).
    static func start(bind: RelayURL, token: String?, logger: Logger) async throws -> HostedRelay {
        guard !bind.secure else { throw StartError(description: "--host serves ws:// only; run `ptt relay` with --tls-cert for wss://") }
        var settings = RelaySettings()
        settings.host = bind.host
        settings.port = bind.port
        if let token { settings.tokens = [token] }
        let server = try RelayServer(settings: settings, logger: logger)
        let (listening, continuation) = AsyncStream.makeStream(of: RelayAddress.self)
        let task = Task {
            defer { continuation.finish() }
            try await server.run { continuation.yield($0) }
        }
        let waiter = Task { () -> RelayAddress? in
            for await address in listening { return address }
            return nil
        }
        let timeout = Task {
            try await Task.sleep(for: .seconds(5))
            waiter.cancel()
        }
        let address = await waiter.value
        timeout.cancel()
        guard let address else {
            server.shutdown()
            let reason: String
            var inUse = false
            switch await task.result {
            case .failure(let error):
                reason = RelayServer.describe(listenError: error)
                inUse = RelayServer.isAddressInUse(error)
            case .success: reason = "the relay stopped"
            }
            throw StartError(description: "cannot host on \(bind.host):\(bind.port): \(reason)"
                + (inUse ? " (is another relay running there? join it with --relay)" : ""))
        }
        let everywhere = bind.host == "0.0.0.0" || bind.host == "::"
        let local = RelayURL(secure: false, host: everywhere ? "127.0.0.1" : bind.host, port: address.port)
        let hosts = everywhere ? LANAddress.ipv4() : [bind.host]
        let share = (hosts.isEmpty ? ["127.0.0.1"] : hosts).map { "\(RelayURL(secure: false, host: $0, port: address.port))" }
        return HostedRelay(server: server, task: task, localURL: local, shareURLs: share)
    }

    /// A room token for a hosted relay started without one: 128 random bits, URL-safe base64
    /// (22 characters), like the token in a notebook server's URL.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Base64.encodeURL(bytes)
    }

    /// Closes every connection with 1001 and waits for the relay to stop.
    func stop() async {
        server.shutdown()
        _ = await task.result
    }
}
