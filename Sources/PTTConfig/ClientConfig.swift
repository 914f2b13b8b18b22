/// Defaults for the client's commands from `~/.config/ptt/config.toml` and `PTT_*`
/// environment variables, read once into a `ConfigTable` (each value with its source).
///
/// The command takes from the table what the user did not type: flags win over the
/// environment, which wins over the file. A boolean setting can switch a flag on (or, for
/// `cues = false`, its negative form); it cannot switch off a flag the user typed.
public enum ClientConfig {
    /// What kind of option a setting stands for.
    public enum Kind: Equatable, Sendable {
        /// `--key VALUE`; the file may give a string or an integer.
        case value
        /// `--key`, switched on by true.
        case flag
        /// `--OPTION`, switched on by false: `cues = false` is `--no-cues`.
        case negatedFlag(String)
    }

    /// Settings of the audio path (`ptt join`, `ptt echo`).
    public static let audioKeys: [String: Kind] = [
        "input": .value, "output": .value, "frame-ms": .value, "bitrate": .value, "complexity": .value,
        "expected-loss": .value, "low-latency": .flag, "period-ms": .value, "mode": .value, "tail-ms": .value,
        "pre-roll-ms": .value, "vox-threshold": .value, "cues": .negatedFlag("no-cues"), "stereo": .flag,
        "processing": .negatedFlag("no-processing"), "denoise": .negatedFlag("no-denoise"), "agc": .negatedFlag("no-agc"),
        "echo-cancel": .negatedFlag("no-echo-cancel"),
    ]

    /// Settings of the connection (`ptt join`, `ptt rooms`).
    public static let connectionKeys: [String: Kind] = [
        "relay": .value, "token": .value, "tls-ca": .value, "tls-insecure": .flag,
    ]

    /// Settings `ptt join` accepts.
    public static let joinKeys = audioKeys.merging(connectionKeys) { a, _ in a }.merging(["log-file": .value]) { a, _ in a }

    /// The encoder's settings, for the commands that encode without a microphone.
    static let codecKeys = audioKeys.filter { ["frame-ms", "bitrate", "complexity", "expected-loss", "low-latency"].contains($0.key) }
    /// Settings `ptt send` accepts: the connection and the encoder.
    public static let sendKeys = connectionKeys.merging(codecKeys) { a, _ in a }
    /// Settings `ptt listen` accepts: the connection, the speakers, and the encoder (for .opus
    /// files). Not `stereo`: a file-wide preference would make every `.opus` recording fail.
    public static let listenKeys = sendKeys.merging(audioKeys.filter { ["output", "period-ms", "cues"].contains($0.key) }) { a, _ in a }

    /// The environment variable of a key: `frame-ms` → `PTT_FRAME_MS`. (`PTT_RELAY_*` names
    /// belong to the relay's own settings and are never read here.)
    public static func environmentName(_ key: String) -> String {
        "PTT_" + key.uppercased().map { $0 == "-" ? "_" : $0 }.map(String.init).joined()
    }

    /// The settings a command accepts, from the file's table and the environment, each with
    /// its source; a variable wins over the file. Keys the file sets that no client command
    /// knows are an error (a typo should not be silently ignored); keys known to other
    /// commands are skipped. Values are checked for their kind here (text or number, true or
    /// false); the command checks what they say.
    public static func table(file: TOMLTable?, environment: [String: String], accepted: [String: Kind],
                             path: String = "config.toml") throws(ConfigError) -> ConfigTable {
        var table = ConfigTable()
        if let file {
            for key in file.keys {
                guard let value = file[key] else { continue }
                let origin = ConfigSource.file(path: path, line: file.lines[key] ?? 0)
                guard joinKeys[key] != nil else {
                    throw ConfigError("\(origin): unknown setting '\(key)' (known: \(joinKeys.keys.sorted().joined(separator: ", ")))")
                }
                guard let kind = accepted[key] else { continue }
                switch (kind, value) {
                case (.value, .string(let s)): table.set(key, .text(s), from: origin)
                case (.value, .integer(let i)): table.set(key, .integer(i), from: origin)
                case (.value, .float(let f)): table.set(key, .text(f), from: origin)
                case (.flag, .boolean(let b)), (.negatedFlag, .boolean(let b)): table.set(key, .boolean(b), from: origin)
                case (.value, _): throw ConfigError("\(origin): '\(key)' takes a string or a number, not \(value.typeName)")
                default: throw ConfigError("\(origin): '\(key)' takes true or false, not \(value.typeName)")
                }
            }
        }
        for key in accepted.keys.sorted() {
            guard let kind = accepted[key] else { continue }
            let name = environmentName(key)
            guard let text = environment[name] else { continue }
            switch kind {
            case .value:
                guard !text.isEmpty else { throw ConfigError("\(name) is empty") }
                table.set(key, .text(text), from: .environment(name))
            case .flag, .negatedFlag:
                switch text.lowercased() {
                case "1", "true", "yes", "on": table.set(key, .boolean(true), from: .environment(name))
                case "0", "false", "no", "off", "": table.set(key, .boolean(false), from: .environment(name))
                default: throw ConfigError("\(name): use true or false, not '\(text)'")
                }
            }
        }
        return table
    }

    /// Where the file is: `$PTT_CONFIG`, else `$XDG_CONFIG_HOME/ptt/config.toml`, else
    /// `$HOME/.config/ptt/config.toml`. Nil when none of them can be formed.
    public static func path(environment: [String: String]) -> String? {
        if let p = environment["PTT_CONFIG"], !p.isEmpty { return p }
        if let x = environment["XDG_CONFIG_HOME"], !x.isEmpty { return x + "/ptt/config.toml" }
        if let h = environment["HOME"], !h.isEmpty { return h + "/.config/ptt/config.toml" }
        return nil
    }
}
