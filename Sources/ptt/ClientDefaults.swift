import ArgumentParser
import PTTConfig
import Synchronization

/// What `~/.config/ptt/config.toml` and the `PTT_*` variables give the command being run,
/// each value with its source: read once by `PTT.main` before the command line is parsed
/// (empty when a test parses a command directly). Each option group takes from it, in its
/// `validate()`, the settings the user did not type.
enum ClientDefaults {
    private static let loaded = Mutex(ConfigTable())

    static var table: ConfigTable { loaded.withLock { $0 } }

    static func set(_ table: ConfigTable) { loaded.withLock { $0 = table } }
}

/// Fills an option group's untyped options from a `ConfigTable` and records where each
/// value came from, so that a refusal can name it.
struct OptionSources: Sendable {
    let table: ConfigTable
    /// Option name (`--bitrate`) of each key that has a value, and where it came from.
    private(set) var sources: [String: (option: String, source: ConfigSource)] = [:]

    init(_ table: ConfigTable = ClientDefaults.table) { self.table = table }

    /// `value` as typed, else the table's text for `key` read by `parse`.
    mutating func fill<T>(_ value: inout T?, _ key: String, _ parse: (String) throws -> T) throws {
        let option = "--\(key)"
        if value != nil {
            sources[key] = (option, .flag(option))
            return
        }
        guard let entry = table[key] else { return }
        sources[key] = (option, entry.source)
        do { value = try parse(entry.value.text) } catch {
            let reason = (error as? ValidationError)?.message ?? "\(error)"
            throw ValidationError(reason + note(blaming: [key]))
        }
    }

    /// `value` as typed, else the table's text for `key`, read as the option reads it.
    mutating func fill<T: ExpressibleByArgument>(_ value: inout T?, _ key: String) throws {
        try fill(&value, key) { text in
            guard let v = T(argument: text) else { throw ValidationError("invalid --\(key) '\(text)'") }
            return v
        }
    }

    /// A flag: typed, or switched on by the table's `key` being `on` (`cues = false` switches
    /// on `--no-cues`). The table cannot switch off a flag the user typed.
    mutating func fill(flag: inout Bool, _ key: String, option: String? = nil, on: Bool = true) {
        let option = option ?? "--\(key)"
        if flag {
            sources[key] = (option, .flag(option))
            return
        }
        guard let entry = table[key], entry.value == .boolean(on) else { return }
        flag = true
        sources[key] = (option, entry.source)
    }

    /// How strong a source is: a typed flag beats the environment, which beats the file.
    static let typed = 3

    /// The strength of `key`'s source: `typed` (3) for a flag, 2 for the environment, 1 for
    /// the file, 0 when it has no value. Where two settings conflict, the stronger one wins
    /// and the other is dropped; two of the same strength are an error.
    func rank(_ key: String) -> Int {
        switch sources[key]?.source {
        case .flag?: return Self.typed
        case .environment?: return 2
        case .file?: return 1
        case nil: return 0
        }
    }

    /// Forgets `key`'s value, which gave way to a stronger one it conflicts with.
    mutating func drop(_ key: String) { sources[key] = nil }

    /// Where the value of `key` came from; nil when it has none.
    func origin(_ key: String) -> ConfigSource? { sources[key]?.source }

    /// ` (--bitrate comes from PTT_BITRATE)` for the keys among `keys` whose value the user
    /// did not type; empty when they typed them all.
    func note(blaming keys: [String]) -> String {
        let untyped = keys.compactMap { key in sources[key].flatMap { $0.source.isTyped ? nil : "\($0.option) comes from \($0.source)" } }
        return untyped.isEmpty ? "" : "\n(" + untyped.joined(separator: "; ") + ")"
    }
}
