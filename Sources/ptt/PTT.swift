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
            Defaults for join, echo, send, listen, scribe and rooms come from ~/.config/ptt/config.toml (or \
            $PTT_CONFIG) and PTT_* environment variables (PTT_RELAY, PTT_TOKEN, PTT_MODE, PTT_INPUT, ...), \
            each command taking the keys that apply to it; flags win.
            """,
        version: PTTVersion.string,
        subcommands: [JoinCommand.self, SendCommand.self, ListenCommand.self, RoomsCommand.self, ScribeCommand.self, HostRelayCommand.self, DevicesCommand.self, EchoCommand.self, TrustCommand.self]
    )

    /// Which configuration keys each subcommand takes.
    static let configKeys: [String: [String: ClientConfig.Kind]] = [
        "join": ClientConfig.joinKeys,
        "echo": ClientConfig.audioKeys,
        "rooms": ClientConfig.connectionKeys,
        "send": ClientConfig.sendKeys,
        "listen": ClientConfig.listenKeys,
        "scribe": ClientConfig.connectionKeys,
    ]

    static func main() async {
        let args = Array(CommandLine.arguments.dropFirst())
        if let command = args.first, let keys = configKeys[command] {
            do {
                ClientDefaults.set(try configTable(keys))
            } catch {
                Console.error("\(error)")
                Glibc.exit(2)
            }
        }
        await main(args)
    }

    /// The settings of the config file and the environment a command taking `keys` uses,
    /// read once, each with its source.
    static func configTable(_ keys: [String: ClientConfig.Kind]) throws -> ConfigTable {
        let environment = Environment.variables()
        var table: TOMLTable?
        var path = "config.toml"
        if let p = ClientConfig.path(environment: environment) {
            path = p
            // An empty PTT_CONFIG counts as unset, like the other variables.
            if let text = try readFile(p, required: !(environment["PTT_CONFIG"] ?? "").isEmpty) {
                do { table = try TOML.parse(text) } catch { throw ConfigError("\(p) \(error)") }
            }
        }
        return try ClientConfig.table(file: table, environment: environment, accepted: keys, path: path)
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
