/// Where a setting's value came from. A refused value names it: `--bitrate comes from
/// PTT_BITRATE`, `/home/a/.config/ptt/config.toml line 3: ...`.
public enum ConfigSource: Hashable, Sendable, CustomStringConvertible {
    /// Typed on the command line, as this option (`--bind`).
    case flag(String)
    /// An environment variable (`PTT_BITRATE`, `PTT_RELAY_BIND`).
    case environment(String)
    /// A line of a TOML config file.
    case file(path: String, line: Int)

    /// `--bind`, `PTT_RELAY_BIND`, `relay.toml line 3`.
    public var description: String {
        switch self {
        case .flag(let option): return option
        case .environment(let name): return name
        case .file(let path, let line): return "\(path) line \(line)"
        }
    }

    /// Whether the user typed it (a refused typed value needs no note of where it came from).
    public var isTyped: Bool {
        if case .flag = self { return true }
        return false
    }
}

/// A value and where it came from.
public struct Setting<Value> {
    public var value: Value
    public var source: ConfigSource
    public init(_ value: Value, from source: ConfigSource) {
        self.value = value
        self.source = source
    }
}

extension Setting: Equatable where Value: Equatable {}
extension Setting: Sendable where Value: Sendable {}

/// A value as a source writes it, before the setting it is for interprets it: a variable
/// and a flag always give text, a file also integers, booleans and lists.
public enum ConfigValue: Equatable, Sendable {
    case text(String)
    case integer(Int64)
    case boolean(Bool)
    case list([String])

    /// The value as a flag would have spelled it: a list comma-separated.
    public var text: String {
        switch self {
        case .text(let s): return s
        case .integer(let n): return String(n)
        case .boolean(let b): return b ? "true" : "false"
        case .list(let items): return items.joined(separator: ",")
        }
    }
}

/// Settings by key (`bitrate`, `max-rooms`), each raw value with its source, in the order
/// they were set: one source read once (a file, the environment, typed flags) or several
/// layered with `overridden(by:)`.
public struct ConfigTable: Equatable, Sendable {
    public private(set) var keys: [String] = []
    private var entries: [String: Setting<ConfigValue>] = [:]

    public init() {}

    public subscript(key: String) -> Setting<ConfigValue>? { entries[key] }

    public var isEmpty: Bool { keys.isEmpty }

    /// Sets `key`, replacing an earlier value (which keeps its place in `keys`).
    public mutating func set(_ key: String, _ value: ConfigValue, from source: ConfigSource) {
        if entries[key] == nil { keys.append(key) }
        entries[key] = Setting(value, from: source)
    }

    /// This table with `other`'s values in place of its own: `file.overridden(by: environment)`.
    public func overridden(by other: ConfigTable) -> ConfigTable {
        var merged = self
        for key in other.keys { if let entry = other[key] { merged.set(key, entry.value, from: entry.source) } }
        return merged
    }

    /// Only the keys `keep` accepts.
    public func filter(_ keep: (String) -> Bool) -> ConfigTable {
        var kept = ConfigTable()
        for key in keys where keep(key) { if let entry = entries[key] { kept.set(key, entry.value, from: entry.source) } }
        return kept
    }
}
