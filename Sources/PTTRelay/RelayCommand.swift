#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Dispatch
import Logging
import PTTProtocol
import PTTConfig
import PTTRelayCore
import PTTSystem

/// `ptt relay`: runs a ptt relay until SIGINT or SIGTERM (`ptt-relay` runs the same options).
public struct RelayCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "Run a ptt relay: rooms of push-to-talk voice over WebSocket.",
        discussion: RelayOptions.discussion
    )

    @OptionGroup public var options: RelayOptions

    public init() {}

    public func run() async throws { try await options.runRelay() }
}

/// Something `ptt relay` runs inside the relay's process: `ptt-relay` has none.
public protocol RelayGuest: Sendable {
    /// The relay listens at `address`.
    func listening(at address: RelayAddress) async
    /// The relay is about to close: finish (within a few seconds).
    func stop() async
}

/// The relay's command-line options, shared by `ptt relay` and `ptt-relay`.
///
/// Settings come from `--config FILE` (TOML), then `PTT_RELAY_*` environment variables, then
/// flags; the last wins. Invalid settings stop it with a message before it binds.
public struct RelayOptions: ParsableArguments {
    public static let discussion = """
        Every flag can also be set with an environment variable (PTT_RELAY_BIND, PTT_RELAY_TOKEN, \
        PTT_RELAY_MAX_ROOM_MEMBERS, ...; PTT_RELAY_TOKEN takes a comma-separated list) or in a TOML \
        file given with --config, whose keys are the flag names: bind = "0.0.0.0:7700", \
        token = ["..."], max-room-members = 64, and [rooms.NAME] tables with floor and \
        max-talk-seconds for one room. Flags win over the environment, which wins over the file. \
        When it is listening, the relay prints "listening on ws://HOST:PORT" on standard output.
        """

    @Option(help: ArgumentHelp("Address to listen on, HOST:PORT (default 0.0.0.0:7700; port 0 picks a free port).", valueName: "host:port"))
    var bind: String?
    @Option(help: ArgumentHelp("TLS certificate chain (PEM); serves wss://.", valueName: "file"))
    var tlsCert: String?
    @Option(help: ArgumentHelp("TLS private key (PEM).", valueName: "file"))
    var tlsKey: String?
    @Option(help: "A token clients must send as 'Authorization: Bearer'; repeatable.")
    var token: [String] = []
    @Option(help: ArgumentHelp("A file of tokens, one per line.", valueName: "file"))
    var tokenFile: String?
    @Option(help: ArgumentHelp("Share rooms with the other relays on these NATS servers (comma-separated nats://HOST:PORT).", valueName: "urls"))
    var cluster: String?
    @Option(name: .customLong("operator-token"), help: "A token that makes its holder an operator of the room it joins (kick, mute, end a spurt, take the floor); repeatable.")
    var operatorToken: [String] = []
    @Option(name: .customLong("operator-token-file"), help: ArgumentHelp("A file of operator tokens, one per line.", valueName: "file"))
    var operatorTokenFile: String?
    @Option(help: "Most members in one room (default 64).")
    var maxRoomMembers: Int?
    @Option(help: "Most rooms at once (default 1000).")
    var maxRooms: Int?
    @Option(help: "Most members in all rooms (default 4096).")
    var maxConnections: Int?
    @Option(help: ArgumentHelp("Floor of every room: open or single (per-room overrides in the config file).", valueName: "open|single"))
    var floor: String?
    @Option(help: "Longest talk in seconds; 0 for no limit (default 0).")
    var maxTalkSeconds: Int?
    @Option(help: ArgumentHelp("trace, debug, info, notice, warning, error or critical (default info).", valueName: "level"))
    var logLevel: String?
    @Option(help: ArgumentHelp("Log lines as text or json (default text).", valueName: "text|json"))
    var logFormat: String?
    @Option(help: ArgumentHelp("Record every talk spurt (Ogg Opus, as received) and a telemetry log per room under DIR/ROOM/DATE/.", valueName: "dir"))
    public var record: String?

    @Option(name: .customLong("stats-token"), help: ArgumentHelp("Require this token for /stats and the dashboard (Bearer header or ?token=).", valueName: "token"))
    public var statsToken: String?
    @Option(help: ArgumentHelp("Minutes a room nobody is in stays in /stats and the dashboard after its last activity (default 60).", valueName: "minutes"))
    var statsKeepMinutes: Int?

    @Option(help: ArgumentHelp("Most open connections from one address, 0 for no limit (default 64; loopback is not limited).", valueName: "n"))
    var maxConnectionsPerAddress: Int?
    @Option(help: ArgumentHelp("Most connections from one address that have not said hello yet, 0 for no limit (default 16).", valueName: "n"))
    var maxPendingPerAddress: Int?
    @Option(help: ArgumentHelp("Audio frames per second from all connections of one address, 0 for no limit (default 500, bursts of twice that).", valueName: "n"))
    var addressFrameRate: Int?
    @Option(help: ArgumentHelp("Text messages per second from all connections of one address, 0 for no limit (default 100, bursts of twice that).", valueName: "n"))
    var addressTextRate: Int?
    @Flag(help: ArgumentHelp("Apply the per-address limits to loopback addresses too (127.0.0.0/8, ::1), which are otherwise exempt for a reverse proxy on the same machine."))
    var limitLoopback = false

    @Option(help: ArgumentHelp("A TOML configuration file.", valueName: "file"))
    var config: String?

    @Option(help: .hidden) var helloTimeoutMs: Int?
    @Option(help: .hidden) var idleTimeoutMs: Int?
    @Option(help: .hidden) var pingIntervalMs: Int?
    @Option(help: .hidden) var tooSlowMs: Int?
    @Option(help: .hidden) var socketSendBuffer: Int?

    public init() {}

    /// The relay's version, as `--version` shows it.
    public static let version = PTTVersion.string

    /// The settings typed on the command line, each from its flag.
    var typed: ConfigTable {
        var table = ConfigTable()
        func text(_ key: String, _ value: String?) { if let value { table.set(key, .text(value), from: .flag("--\(key)")) } }
        func integer(_ key: String, _ value: Int?) { if let value { table.set(key, .integer(Int64(value)), from: .flag("--\(key)")) } }
        text("bind", bind)
        text("tls-cert", tlsCert)
        text("tls-key", tlsKey)
        text("token-file", tokenFile)
        text("operator-token-file", operatorTokenFile)
        text("cluster", cluster)
        text("floor", floor)
        text("log-level", logLevel)
        text("log-format", logFormat)
        text("record", record)
        text("stats-token", statsToken)
        integer("stats-keep-minutes", statsKeepMinutes)
        integer("max-room-members", maxRoomMembers)
        integer("max-rooms", maxRooms)
        integer("max-connections", maxConnections)
        integer("max-talk-seconds", maxTalkSeconds)
        integer("max-connections-per-address", maxConnectionsPerAddress)
        integer("max-pending-per-address", maxPendingPerAddress)
        integer("address-frame-rate", addressFrameRate)
        integer("address-text-rate", addressTextRate)
        if limitLoopback { table.set("limit-loopback", .boolean(true), from: .flag("--limit-loopback")) }
        integer("hello-timeout-ms", helloTimeoutMs)
        integer("idle-timeout-ms", idleTimeoutMs)
        integer("ping-interval-ms", pingIntervalMs)
        integer("too-slow-ms", tooSlowMs)
        integer("socket-send-buffer", socketSendBuffer)
        if !token.isEmpty { table.set("token", .list(token), from: .flag("--token")) }
        if !operatorToken.isEmpty { table.set("operator-token", .list(operatorToken), from: .flag("--operator-token")) }
        return table
    }

    /// Merges file, environment and flags into settings, each value checked where it came from.
    public func settings(environment: [String: String]) throws -> RelaySettings {
        var s = RelaySettings()
        do {
            if let path = config ?? environment["PTT_RELAY_CONFIG"] {
                try s.applyFile(try readTextFile(path), path: path)
            }
            try s.applyEnvironment(environment)
            try s.apply(typed)
            if let file = s.tokenFile { try s.addTokens(fromFile: try readTextFile(file), path: file) }
            if let file = s.operatorTokenFile { try s.addTokens(fromFile: try readTextFile(file), path: file, operators: true) }
            try s.validate()
        } catch let error as ConfigError {
            throw ValidationError(error.message)
        }
        return s
    }

    /// Runs the relay until SIGINT or SIGTERM. `guest`, when given, makes what runs inside the
    /// relay's process (`ptt relay --captions`): told when the relay listens, stopped before it closes.
    public func runRelay(guest makeGuest: ((RelayServer, RelaySettings) throws -> any RelayGuest)? = nil) async throws {
        let settings = try settings(environment: Environment.variables())
        Self.raiseOpenFileLimit()
        let logger = RelayLog.logger(for: settings)
        let relay: RelayServer
        do { relay = try RelayServer(settings: settings, logger: logger) } catch {
            throw ValidationError("cannot load the TLS certificate or key: \(error)")
        }
        let guest = try makeGuest?(relay, settings)
        let signals = Self.onTerminationSignals {
            guard let guest else { return relay.shutdown() }
            Task {
                await guest.stop()
                relay.shutdown()
            }
        }
        defer { signals.forEach { $0.cancel() } }
        do {
            try await relay.run { address in
                try? Posix.writeAll(1, "listening on \(address.url)\n")
                if let fingerprint = relay.fingerprint {
                    try? Posix.writeAll(1, "TLS certificate SHA-256 fingerprint: \(fingerprint)\n")
                }
                await guest?.listening(at: address)
            }
        } catch {
            if relay.address == nil { throw RelayFailure("cannot listen on \(settings.host):\(settings.port): \(RelayServer.describe(listenError: error))") }
            throw RelayFailure("the relay stopped: \(error)")
        }
    }

    /// Raises the soft limit on open files to the hard one: each connection takes a descriptor,
    /// and with a common soft limit of 1024 the relay ran out far below its connection limit
    /// (and NIO's accept loop spun on EMFILE meanwhile).
    static func raiseOpenFileLimit() {
        #if os(Linux)
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        #endif
    }

    /// Calls `action` on SIGINT and SIGTERM (instead of dying).
    static func onTerminationSignals(_ action: @escaping @Sendable () -> Void) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler(handler: action)
            source.resume()
            return source
        }
    }
}

/// A relay that could not start or stopped on an error (exit code 1).
struct RelayFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Reads a whole text file (configuration, tokens), or throws a `ConfigError` naming it.
func readTextFile(_ path: String) throws -> String {
    let bytes: [UInt8]
    do { bytes = try Posix.readFile(path, limit: 1 << 20) } catch {
        if error.errno == .fileTooLarge { throw ConfigError("\(path): larger than 1 MiB") }
        throw ConfigError("\(path): cannot \(error.call == "open" ? "open" : "read") (\(error.reason))")
    }
    guard let text = String(validating: bytes, as: UTF8.self) else { throw ConfigError("\(path): not UTF-8 text") }
    return text
}
