import ArgumentParser
import Glibc
import PTTProtocol
import PTTConfig
import PTTRelay
import PTTSystem

/// The `ptt` command line: push-to-talk voice rooms in the terminal.
@main
struct PTT: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ptt",
        abstract: "Push-to-talk voice rooms in the terminal.",
        discussion: """
            Defaults for join, echo, send, listen and rooms come from ~/.config/ptt/config.toml (or \
            $PTT_CONFIG) and PTT_* environment variables (PTT_RELAY, PTT_TOKEN, PTT_MODE, PTT_INPUT, ...), \
            each command taking the keys that apply to it; flags win.
            """,
        version: PTTVersion.string,
        subcommands: [JoinCommand.self, SendCommand.self, ListenCommand.self, RoomsCommand.self, RelayCommand.self, DevicesCommand.self, EchoCommand.self]
    )

    /// Which configuration keys each subcommand takes.
    static let configKeys: [String: [String: ClientConfig.Kind]] = [
        "join": ClientConfig.joinKeys,
        "echo": ClientConfig.audioKeys,
        "rooms": ClientConfig.connectionKeys,
        "send": ClientConfig.sendKeys,
        "listen": ClientConfig.listenKeys,
    ]

    static func main() async {
        var args = Array(CommandLine.arguments.dropFirst())
        if let command = args.first, let keys = configKeys[command] {
            let sourced: [(argument: String, origin: String)]
            do {
                sourced = try configArguments(keys)
            } catch {
                Console.error("\(error)")
                Glibc.exit(2)
            }
            // Flags win: an option typed on the command line drops the same one from the sources.
            let typed = Array(args.dropFirst())
            let used = sourced.filter { s in !typed.contains { optionName($0) == optionName(s.argument) } }
            args.insert(contentsOf: used.map(\.argument), at: 1)
            if let traced = traceRefusal(args, sourced: used) {
                Console.write(traced.message + "\n", fd: 2)
                Glibc.exit(traced.code)
            }
        }
        await main(args)
    }

    /// When the command line would be refused because of a value from the environment or the
    /// config file (not typed), the refusal with where that value came from.
    static func traceRefusal(_ args: [String], sourced: [(argument: String, origin: String)]) -> (message: String, code: Int32)? {
        guard !sourced.isEmpty else { return nil }
        do {
            _ = try parseAsRoot(args)
            return nil
        } catch {
            let code = exitCode(for: error).rawValue
            guard code != 0 else { return nil }   // --help and --version
            let message = fullMessage(for: error)
            let culprits = sourced.filter { message.contains(optionName($0.argument)) }
            guard !culprits.isEmpty else { return nil }
            return (message + "\n(" + culprits.map { "\(optionName($0.argument)) comes from \($0.origin)" }.joined(separator: "; ") + ")", code)
        }
    }

    /// `--bitrate` of `--bitrate=24k`.
    static func optionName(_ argument: String) -> String { String(argument.split(separator: "=", maxSplits: 1).first ?? "") }

    /// Arguments from the config file and the environment, for a command taking `keys`.
    static func configArguments(_ keys: [String: ClientConfig.Kind]) throws -> [(argument: String, origin: String)] {
        let environment = RelayOptions.processEnvironment()
        var table: TOMLTable?
        var path = "config.toml"
        if let p = ClientConfig.path(environment: environment) {
            path = p
            // An empty PTT_CONFIG counts as unset, like the other variables.
            if let text = try readFile(p, required: !(environment["PTT_CONFIG"] ?? "").isEmpty) {
                do { table = try TOML.parse(text) } catch { throw ConfigError("\(p) \(error)") }
            }
        }
        return try ClientConfig.sourcedArguments(file: table, environment: environment, accepted: keys, path: path)
    }

    /// The file's text; nil when it does not exist and is not required.
    static func readFile(_ path: String, required: Bool) throws -> String? {
        let bytes: [UInt8]
        do { bytes = try Posix.readFile(path, limit: 1 << 20) } catch {
            if error.errno == .noSuchFileOrDirectory, !required { return nil }
            if error.errno == .fileTooLarge { throw ConfigError("\(path) is larger than 1 MiB") }
            throw ConfigError("cannot read \(path): \(error.reason)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw ConfigError("\(path) is not UTF-8") }
        return text
    }
}
