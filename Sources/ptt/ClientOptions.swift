import ArgumentParser
import PTTClient
import PTTConfig
import PTTProtocol
import PTTSessionCore

/// Where to connect and as whom: shared by the commands that join a room.
struct ClientOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Relay base URL (default ws://127.0.0.1:7700); several, comma-separated, for relays of one cluster: a lost connection is taken up again on the next.", valueName: "url"))
    var relay: String?

    @Option(help: ArgumentHelp("Token for relays that require one (sent as Authorization: Bearer).", valueName: "token"))
    var token: String?

    @Option(name: .customLong("tls-ca"), help: ArgumentHelp("PEM file of certificates to trust for wss:// relays (a relay's own self-signed certificate, or its CA); see also `ptt trust`.", valueName: "file"))
    var tlsCA: String?

    @Flag(name: .customLong("tls-insecure"), help: "Do not verify the relay's TLS certificate at all: anyone on the path can listen in. Prefer `ptt trust` or --tls-ca.")
    var tlsInsecure = false

    static let defaultRelay = "ws://127.0.0.1:7700"

    /// Where each value came from (not an option: filled in `validate()`).
    var sources = OptionSources(ConfigTable())

    enum CodingKeys: String, CodingKey { case relay, token, tlsCA, tlsInsecure }

    /// The relay URL to use (the first of a list).
    func relayURL() throws -> RelayURL {
        guard let first = try relayURLs().first else { throw ValidationError("--relay is empty") }
        return first
    }

    /// Every relay URL given: one, or the relays of a cluster in the order to try them.
    func relayURLs() throws -> [RelayURL] {
        let text = relay ?? Self.defaultRelay
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces }
        guard !parts.contains(where: \.isEmpty) else { throw ValidationError("--relay has an empty URL in its list: '\(text)'") }
        guard parts.count <= 16 else { throw ValidationError("--relay takes at most 16 URLs") }
        do { return try parts.map { try RelayURL(parsing: $0) } } catch { throw ValidationError("\(error)") }
    }

    /// A connector to `room` on the relay (or on `relay` when given, as with `--host`), and
    /// the room's URL.
    /// `token` replaces the one given (the token `--host` made up).
    func connector(room: String, relay: RelayURL? = nil, token: String? = nil) throws -> (any RelayConnector, String) {
        let relays = try relay.map { [$0] } ?? relayURLs()
        let connectors = try relays.map { try connector(room: room, at: $0, token: token) }
        guard let first = connectors.first else { throw ValidationError("--relay is empty") }
        if connectors.count == 1 { return first }
        return (FailoverConnector(connectors.map(\.0)), first.1)
    }

    /// A connector to `room` on one relay, and the room's URL there.
    func connector(room: String, at relay: RelayURL, token: String?) throws -> (WebSocketConnector, String) {
        var options = ConnectOptions(relay: relay, room: room, token: token ?? self.token)
        options.trustRootsPEM = tlsCA
        options.insecureTLS = tlsInsecure
        if relay.secure, !tlsInsecure, let path = KnownRelaysFile.path() {
            do {
                options.pinnedFingerprint = try KnownRelaysFile.load(path).fingerprint(for: KnownRelays.address(host: relay.host, port: relay.port))
            } catch {
                throw ValidationError("\(error)")
            }
        }
        options.trustURL = relay.secure ? "wss://\(KnownRelays.address(host: relay.host, port: relay.port))" : nil
        return (try WebSocketConnector(options: options), try relay.url(room: room))
    }

    /// Where the token came from (`--token`, `PTT_TOKEN`, the config file's line); nil without one.
    var tokenOrigin: String? {
        guard token != nil else { return nil }
        return sources.origin("token").map { "\($0)" } ?? "--token"
    }

    /// The session's settings for joining `room` as `name`.
    func session(room: String, name: String, listen: Bool, url: String) -> SessionCore.Configuration {
        var config = SessionCore.Configuration(room: room, name: name, listen: listen, url: url)
        config.tokenOrigin = tokenOrigin
        return config
    }

    /// The room and name rules, with the same words in every command.
    static func check(room: String, name: String, nameOption: String = "name") throws {
        guard Validation.isValidRoom(room) else { throw ValidationError(RelayURL.ParseError.room(room).description) }
        guard Validation.isValidName(name) else {
            throw ValidationError("invalid \(nameOption) '\(name)': 1 to 32 characters, no control characters, no spaces at either end")
        }
    }

    /// Takes what the user did not type from the configuration, then checks it; a refused
    /// value that was not typed says where it came from.
    mutating func validate() throws {
        var sources = OptionSources()
        try sources.fill(&relay, "relay") { $0 }
        try sources.fill(&token, "token") { $0 }
        try sources.fill(&tlsCA, "tls-ca") { $0 }
        sources.fill(flag: &tlsInsecure, "tls-insecure")
        self.sources = sources
        do { _ = try relayURL() } catch let error as ValidationError {
            throw ValidationError(error.message + sources.note(blaming: ["relay"]))
        }
        if let token, token.isEmpty || token.contains(where: { $0.isNewline }) {
            throw ValidationError("invalid --token: empty or contains a line break" + sources.note(blaming: ["token"]))
        }
    }
}
