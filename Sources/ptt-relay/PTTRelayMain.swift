import ArgumentParser
import PTTRelay

/// `ptt-relay`: the relay alone, linking no audio or terminal library.
@main
struct PTTRelayMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ptt-relay",
        abstract: RelayCommand.configuration.abstract,
        discussion: RelayCommand.configuration.discussion,
        version: RelayCommand.version,
        subcommands: [RelayCommand.self],
        defaultSubcommand: RelayCommand.self
    )
}
