import ArgumentParser
import PTTRelay

/// `ptt-relay`: the relay alone, linking no audio or terminal library.
@main
struct PTTRelayMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ptt-relay",
        abstract: RelayCommand.configuration.abstract,
        discussion: RelayOptions.discussion,
        version: RelayOptions.version
    )

    @OptionGroup var options: RelayOptions

    func run() async throws { try await options.runRelay() }
}
