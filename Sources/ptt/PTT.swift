import ArgumentParser
import PTTCore
import PTTRelay

/// The `ptt` command line: push-to-talk voice rooms in the terminal.
@main
struct PTT: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ptt",
        abstract: "Push-to-talk voice rooms in the terminal.",
        version: PTTVersion.string,
        subcommands: [JoinCommand.self, RelayCommand.self, DevicesCommand.self, EchoCommand.self]
    )
}
