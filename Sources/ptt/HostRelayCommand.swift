import ArgumentParser
import PTTRelay
import PTTScribe

/// `ptt relay`: the relay's options (`ptt-relay` takes the same) and, because ptt carries the
/// recognizer, captions for every room.
struct HostRelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "Run a ptt relay: rooms of push-to-talk voice over WebSocket.",
        discussion: RelayOptions.discussion + """
             With --captions, a scribe joins every room where someone may talk and captions each \
            spurt (as `ptt scribe` does); with --record too, each room's transcript.jsonl is written \
            next to its recordings. ptt-relay has no captions: it links no codec or recognizer.
            """
    )

    @OptionGroup var options: RelayOptions

    @Flag(help: "Caption every room: a scribe joins each room where someone may talk (PocketSphinx, or --captions-engine-cmd).")
    var captions = false

    @Option(name: .customLong("captions-engine-cmd"), help: ArgumentHelp("With --captions: recognize with this command (16 kHz S16LE on stdin, the text on stdout) instead of PocketSphinx.", valueName: "command"))
    var captionsEngineCommand: String?

    @Option(name: .customLong("captions-engines"), help: ArgumentHelp("With --captions: spurts recognized at once over all rooms (default 2).", valueName: "n"))
    var captionsEngines = 2

    func validate() throws {
        guard captions || (captionsEngineCommand == nil) else { throw ValidationError("--captions-engine-cmd needs --captions") }
        guard (1...ScribeCommand.maxEngines).contains(captionsEngines) else {
            throw ValidationError("--captions-engines must be 1 to \(ScribeCommand.maxEngines)")
        }
        if let captionsEngineCommand, captionsEngineCommand.trimmingSpaces.isEmpty { throw ValidationError("--captions-engine-cmd is empty") }
    }

    func run() async throws {
        guard captions else { return try await options.runRelay() }
        let recognizer: RecognizerChoice = captionsEngineCommand.map { .command($0, timeout: 30_000_000_000) } ?? .pocketSphinx(.debianEnglish)
        let engines = captionsEngines
        try await options.runRelay { relay, settings in
            do {
                return try CaptionHost(relay: relay, settings: settings, recognizer: recognizer, engines: engines)
            } catch {
                throw ValidationError("--captions: \(error)")
            }
        }
    }
}
