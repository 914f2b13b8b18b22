import PTTProtocol
import PTTConfig

/// Everything a relay is configured with, after merging its sources (PROTOCOL.md leaves
/// these to the operator). Pure: the command line reads files and the environment and
/// hands their text here; the last source applied wins, so apply file, environment, flags.
public struct RelaySettings: Equatable, Sendable {
    public enum LogFormat: String, Equatable, Sendable, CaseIterable { case text, json }
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Per-room overrides from the config file's `[rooms.NAME]` tables.
    public struct RoomOverride: Equatable, Sendable {
        public var floor: Floor?
        public var maxTalkSeconds: Int?
        public init(floor: Floor? = nil, maxTalkSeconds: Int? = nil) {
            self.floor = floor
            self.maxTalkSeconds = maxTalkSeconds
        }
    }

    public var host = "0.0.0.0"
    public var port = 7700
    public var tlsCert: String?
    public var tlsKey: String?
    public var tokens: [String] = []
    public var tokenFile: String?
    /// NATS servers of a cluster (`nats://HOST:PORT`); empty: the relay stands alone.
    public var cluster: [String] = []
    /// Tokens that make their holder a room operator (and let it in where tokens are required).
    public var operatorTokens: [String] = []
    public var operatorTokenFile: String?
    public var maxRoomMembers = 64
    public var maxRooms = 1000
    public var maxConnections = 4096
    public var floor: Floor = .open
    /// 0: unlimited.
    public var maxTalkSeconds = 0
    public var rooms: [String: RoomOverride] = [:]
    public var logLevel = "info"
    public var logFormat: LogFormat = .text
    /// Timeouts and rates per connection (hidden tuning, mostly for tests).
    public var connection = RelayConnection.Limits()
    /// Caps and rates per remote address (0: no limit), on top of the per-connection ones.
    public var addresses = AddressLimits()
    /// Outbound queue bounds per member (hidden tuning, mostly for tests).
    public var queue = SendQueueLimits()
    /// The kernel send buffer of each WebSocket, in bytes; 0 leaves the system's (hidden tuning:
    /// tests shrink it so a member that does not read is found out quickly).
    public var socketSendBuffer = 0

    /// Where talk spurts and telemetry are recorded (`--record DIR`); nil: not recorded.
    public var recordDirectory: String?
    /// Protects `/stats` and the dashboard when set (`--stats-token`).
    public var statsToken: String?
    /// Minutes a room with nobody in it stays in `/stats` and the dashboard after its last activity.
    public var statsKeepMinutes = 60

    public init() {}

    /// The settings' keys, as config-file keys and flag names; environment variables are
    /// `PTT_RELAY_` + the key upper-cased with `-` as `_`.
    public static let keys = [
        "bind", "tls-cert", "tls-key", "token", "token-file", "operator-token", "operator-token-file", "cluster", "max-room-members", "max-rooms",
        "max-connections", "floor", "max-talk-seconds", "log-level", "log-format",
        "hello-timeout-ms", "idle-timeout-ms", "ping-interval-ms", "too-slow-ms", "socket-send-buffer",
        "record", "stats-token", "stats-keep-minutes",
        "max-connections-per-address", "max-pending-per-address", "address-frame-rate", "address-text-rate", "limit-loopback",
    ]

    /// The keys whose value is true or false.
    public static let booleanKeys: Set<String> = ["limit-loopback"]

    /// A value as a source gives it.
    public typealias Value = ConfigValue

    /// The floor and talk limit of `room`.
    public func floor(for room: String) -> Floor { rooms[room]?.floor ?? floor }
    public func maxTalkNanos(for room: String) -> UInt64? {
        let s = rooms[room]?.maxTalkSeconds ?? maxTalkSeconds
        return s > 0 ? UInt64(s) * 1_000_000_000 : nil
    }

    /// Sets every key of `table` in its order, each from its source.
    public mutating func apply(_ table: ConfigTable) throws(ConfigError) {
        for key in table.keys {
            guard let entry = table[key] else { continue }
            try apply(key, entry.value, origin: entry.source)
        }
    }

    /// Sets `key` from `origin` (`--bind`, `PTT_RELAY_BIND`, `relay.toml line 3`), which a
    /// refusal names.
    public mutating func apply(_ key: String, _ value: Value, origin: ConfigSource) throws(ConfigError) {
        if case .boolean = value, !Self.booleanKeys.contains(key) { throw ConfigError("\(origin): \(key) cannot be a boolean") }
        func boolean() throws(ConfigError) -> Bool {
            switch value {
            case .boolean(let b): return b
            case .integer(let n) where n == 0 || n == 1: return n == 1
            case .text(let s):
                switch s.trimmingSpaces.lowercased() {
                case "1", "true", "yes", "on": return true
                case "0", "false", "no", "off": return false
                default: throw ConfigError("\(origin): '\(s)' is not true or false")
                }
            default: throw ConfigError("\(origin): expected true or false")
            }
        }
        func text() throws(ConfigError) -> String {
            switch value {
            case .text(let s): return s
            case .integer(let n): return String(n)
            case .boolean(let b): return b ? "true" : "false"
            case .list: throw ConfigError("\(origin): expected a single value, not a list")
            }
        }
        func integer(_ range: ClosedRange<Int64>) throws(ConfigError) -> Int {
            let n: Int64
            switch value {
            case .integer(let v): n = v
            case .text(let s):
                guard let v = Int64(s.trimmingSpaces) else { throw ConfigError("\(origin): '\(s)' is not an integer") }
                n = v
            case .boolean, .list: throw ConfigError("\(origin): expected an integer, not a list")
            }
            guard range.contains(n) else { throw ConfigError("\(origin): \(n) is out of range \(range.lowerBound)...\(range.upperBound)") }
            return Int(n)
        }
        func millis() throws(ConfigError) -> UInt64 { UInt64(try integer(1...86_400_000)) * 1_000_000 }

        switch key {
        case "bind":
            let (h, p) = try Self.parseBind(try text(), origin: origin)
            host = h
            port = p
        case "tls-cert": tlsCert = try Self.nonEmpty(try text(), origin: origin)
        case "tls-key": tlsKey = try Self.nonEmpty(try text(), origin: origin)
        case "token", "operator-token":
            let list: [String]
            switch value {
            case .list(let l): list = l
            case .text(let s): list = s.split(separator: ",").map { String($0).trimmingSpaces }
            case .integer(let n): list = [String(n)]
            case .boolean(let b): list = [b ? "true" : "false"]
            }
            for t in list { try Self.checkToken(t, origin: origin) }
            if key == "token" { tokens = list } else { operatorTokens = list }
        case "token-file": tokenFile = try Self.nonEmpty(try text(), origin: origin)
        case "cluster":
            let list: [String]
            switch value {
            case .list(let l): list = l
            default: list = try text().split(separator: ",").map { String($0).trimmingSpaces }
            }
            for url in list where !(url.hasPrefix("nats://") && url.count > 7 && !url.contains(where: \.isWhitespace)) {
                throw ConfigError("\(origin): '\(url)' is not a NATS URL (nats://HOST:PORT)")
            }
            guard !list.isEmpty else { throw ConfigError("\(origin): no NATS URL") }
            cluster = list
        case "operator-token-file": operatorTokenFile = try Self.nonEmpty(try text(), origin: origin)
        case "max-room-members": maxRoomMembers = try integer(1...100_000)
        case "max-rooms": maxRooms = try integer(1...1_000_000)
        case "max-connections": maxConnections = try integer(1...1_000_000)
        case "floor": floor = try Self.parseFloor(try text(), origin: origin)
        case "max-talk-seconds": maxTalkSeconds = try integer(0...86_400)
        case "log-level":
            let l = try text().lowercased()
            guard Self.logLevels.contains(l) else { throw ConfigError("\(origin): log level '\(l)' is not one of \(Self.logLevels.joined(separator: ", "))") }
            logLevel = l
        case "log-format":
            guard let f = LogFormat(rawValue: try text().lowercased()) else { throw ConfigError("\(origin): log format must be text or json") }
            logFormat = f
        case "hello-timeout-ms": connection.helloTimeout = try millis()
        case "idle-timeout-ms": connection.idleTimeout = try millis()
        case "ping-interval-ms": connection.pingInterval = try millis()
        case "too-slow-ms": queue.tooSlowAfter = try millis()
        case "socket-send-buffer": socketSendBuffer = try integer(0...(64 << 20))
        case "record": recordDirectory = try Self.nonEmpty(try text(), origin: origin)
        case "stats-token":
            let t = try text()
            try Self.checkToken(t, origin: origin)
            statsToken = t
        case "stats-keep-minutes": statsKeepMinutes = try integer(1...10_080)
        case "max-connections-per-address": addresses.maxConnections = try integer(0...1_000_000)
        case "max-pending-per-address": addresses.maxPending = try integer(0...1_000_000)
        case "address-frame-rate": addresses.binaryRate = try integer(0...1_000_000)
        case "address-text-rate": addresses.textRate = try integer(0...1_000_000)
        case "limit-loopback": addresses.exemptLoopback = !(try boolean())
        default:
            throw ConfigError("\(origin): unknown setting '\(key)'")
        }
    }

    /// Applies a TOML config file's text; `path` names it in errors.
    public mutating func applyFile(_ text: String, path: String) throws(ConfigError) {
        let table: TOMLTable
        do { table = try TOML.parse(text) } catch { throw ConfigError("\(path): \(error)") }
        for key in table.keys {
            let origin = ConfigSource.file(path: path, line: table.lines[key] ?? 0)
            guard let v = table[key] else { continue }
            let normal = key.replacingUnderscores
            if normal == "rooms" {
                guard case .table(let rooms) = v else { throw ConfigError("\(origin): rooms must be a table of [rooms.NAME] tables") }
                for name in rooms.keys {
                    let rOrigin = ConfigSource.file(path: path, line: rooms.lines[name] ?? 0)
                    guard Validation.isValidRoom(name) else { throw ConfigError("\(rOrigin): '\(name)' is not a valid room name") }
                    guard case .table(let r)? = rooms[name] else { throw ConfigError("\(rOrigin): rooms.\(name) must be a table") }
                    var o = RoomOverride()
                    for k in r.keys {
                        let kOrigin = ConfigSource.file(path: path, line: r.lines[k] ?? 0)
                        switch (k.replacingUnderscores, r[k]) {
                        case ("floor", .string(let s)?): o.floor = try Self.parseFloor(s, origin: kOrigin)
                        case ("max-talk-seconds", .integer(let n)?):
                            guard (0...86_400).contains(n) else { throw ConfigError("\(kOrigin): max-talk-seconds \(n) is out of range 0...86400") }
                            o.maxTalkSeconds = Int(n)
                        case ("floor", _), ("max-talk-seconds", _):
                            throw ConfigError("\(kOrigin): rooms.\(name).\(k) has the wrong type")
                        default:
                            throw ConfigError("\(kOrigin): unknown room setting '\(k)' (expected floor, max-talk-seconds)")
                        }
                    }
                    self.rooms[name] = o
                }
                continue
            }
            let value: Value
            switch v {
            case .string(let s): value = .text(s)
            case .integer(let n): value = .integer(n)
            case .float(let f): value = .text(f)
            case .boolean(let b): value = .boolean(b)
            case .table: throw ConfigError("\(origin): unknown table [\(key)]")
            case .array(let items):
                var list: [String] = []
                for item in items {
                    guard case .string(let s) = item else { throw ConfigError("\(origin): \(key) must be an array of strings") }
                    list.append(s)
                }
                value = .list(list)
            }
            try apply(normal, value, origin: origin)
        }
    }

    /// Applies `PTT_RELAY_*` variables (`environmentTable`).
    public mutating func applyEnvironment(_ env: [String: String]) throws(ConfigError) {
        try apply(try Self.environmentTable(env))
    }

    /// The settings `PTT_RELAY_*` variables give, in name order (others are ignored; an
    /// unknown `PTT_RELAY_` one is an error).
    public static func environmentTable(_ env: [String: String]) throws(ConfigError) -> ConfigTable {
        var table = ConfigTable()
        for (name, value) in env.sorted(by: { $0.key < $1.key }) where name.hasPrefix("PTT_RELAY_") {
            let key = String(name.dropFirst("PTT_RELAY_".count)).lowercased().replacingUnderscores
            if key == "config" { continue }
            guard keys.contains(key) else { throw ConfigError("\(name): unknown setting") }
            table.set(key, .text(value), from: .environment(name))
        }
        return table
    }

    /// Adds tokens from a token file's text: one per line, blank lines and `#` comments skipped.
    /// A file without any token is an error: asking for tokens and getting an open relay
    /// would be the wrong way to fail.
    public mutating func addTokens(fromFile text: String, path: String, operators: Bool = false) throws(ConfigError) {
        var n = 0, found = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            n += 1
            let t = String(line).trimmingSpaces
            if t.isEmpty || t.hasPrefix("#") { continue }
            try Self.checkToken(t, origin: .file(path: path, line: n))
            if operators { operatorTokens.append(t) } else { tokens.append(t) }
            found += 1
        }
        if found == 0 { throw ConfigError("\(path) holds no token (one per line): the relay would be open to anyone") }
    }

    /// Cross-field checks, after every source.
    public func validate() throws(ConfigError) {
        if (tlsCert == nil) != (tlsKey == nil) { throw ConfigError("--tls-cert and --tls-key go together: give both or neither") }
    }

    /// `HOST:PORT`, `[IPv6]:PORT`, or `:PORT` (all addresses).
    public static func parseBind(_ s: String, origin: ConfigSource) throws(ConfigError) -> (String, Int) {
        var hostPart: Substring
        let portPart: Substring
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]") else { throw ConfigError("\(origin): '\(s)' has no closing ] after the IPv6 address") }
            hostPart = s[s.index(after: s.startIndex)..<close]
            let rest = s[s.index(after: close)...]
            guard rest.first == ":" else { throw ConfigError("\(origin): expected HOST:PORT, got '\(s)'") }
            portPart = rest.dropFirst()
        } else {
            guard let colon = s.lastIndex(of: ":") else { throw ConfigError("\(origin): expected HOST:PORT, got '\(s)'") }
            hostPart = s[..<colon]
            portPart = s[s.index(after: colon)...]
            guard !hostPart.contains(":") else { throw ConfigError("\(origin): write an IPv6 address in brackets: [::1]:7700") }
        }
        if hostPart.isEmpty { hostPart = "0.0.0.0" }
        guard let port = Int(portPart), (0...65535).contains(port) else { throw ConfigError("\(origin): '\(portPart)' is not a port (0 to 65535)") }
        return (String(hostPart), port)
    }

    static func parseFloor(_ s: String, origin: ConfigSource) throws(ConfigError) -> Floor {
        guard let f = Floor(rawValue: s.lowercased()) else { throw ConfigError("\(origin): floor must be open or single, not '\(s)'") }
        return f
    }

    static func nonEmpty(_ s: String, origin: ConfigSource) throws(ConfigError) -> String {
        guard !s.isEmpty else { throw ConfigError("\(origin): must not be empty") }
        return s
    }

    static func checkToken(_ t: String, origin: ConfigSource) throws(ConfigError) {
        guard !t.isEmpty else { throw ConfigError("\(origin): a token must not be empty") }
        guard t.utf8.count <= 1024, t.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw ConfigError("\(origin): a token is 1 to 1024 printable ASCII characters without spaces")
        }
    }
}
