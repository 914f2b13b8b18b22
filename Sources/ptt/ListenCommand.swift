import ArgumentParser
import PTTAudio
import PTTClient
import PTTSessionCore
import Synchronization

/// `ptt listen ROOM`: join as a listener and play the room, or write it to a file.
struct ListenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Listen to a room: play it, or record the mixed audio to a WAV or Ogg Opus file.",
        discussion: "The file's format follows its name: .opus or .ogg for Ogg Opus, anything else WAV (48 kHz, 16-bit)."
    )

    @Argument(help: "The room to listen to.")
    var room: String

    @Option(help: ArgumentHelp("The name others see (default: listener-NNNNNN, a number drawn at start, so that several listeners can be in one room).", valueName: "name"))
    var name: String?

    /// The name to join with: the one given, or one drawn now (a room has one name per person).
    var joinName: String { name ?? Self.drawnName }
    static let drawnName = "listener-\(Int.random(in: 100_000...999_999))"

    @Option(help: ArgumentHelp("Write the room's mixed audio here instead of playing it.", valueName: "file"))
    var out: String?

    @Option(help: ArgumentHelp("Stop after this many seconds (default: until Ctrl-C).", valueName: "s"))
    var seconds: Double?

    /// Ten years: any longer is "until Ctrl-C".
    static let maxSeconds = 315_360_000.0

    @Flag(help: "Print events as JSON lines on stdout.")
    var json = false

    @OptionGroup var client: ClientOptions
    @OptionGroup var codec: CodecOptions
    @OptionGroup var playback: PlaybackOptions

    func validate() throws {
        try ClientOptions.check(room: room, name: joinName, nameOption: "--name")
        if let seconds, !(seconds > 0 && seconds <= Self.maxSeconds) {
            throw ValidationError("--seconds must be more than 0 and at most \(Int(Self.maxSeconds)) (leave it out to listen until Ctrl-C)")
        }
        if out == "-" { throw ValidationError("--out takes a file name; standard output ('-') is not supported") }
        if out != nil, playback.stereo, let out, FileOutput.Format.guess(path: out, settings: codec.opusSettings) != .wav {
            throw ValidationError("Ogg Opus recordings are mono: drop --stereo or write a .wav")
        }
    }

    func run() async throws {
        let (connector, url) = try client.connector(room: room)
        let config = client.session(room: room, name: joinName, listen: true, url: url)
        var opener: PlaybackEngine.Opener?
        if let out {
            // Create the file now, so a bad path is an error before joining.
            let format = FileOutput.Format.guess(path: out, settings: codec.opusSettings)
            let channels = playback.channels
            let first = LockedHandoff(try FileOutput(path: out, format: format, channels: channels))
            opener = { () throws(AudioDeviceError) -> any AudioOutput in
                if let file = first.take() { return file }
                // Asked again only after a write failed (disk full): reopening would truncate
                // what was recorded, so the recording stays stopped and the file is kept.
                throw .unsupported(device: out, direction: .playback, what: "writing failed; the recording so far is kept")
            }
        }
        let json = self.json
        // A recording that can no longer be written (disk full) ends the command: going on
        // would only pretend to record.
        let writeFailure = Mutex<String?>(nil)
        let running = Mutex<Call?>(nil)
        let call = try Call(session: config, connector: connector, codec: codec, playback: playback, capture: nil, defaultMode: .hold, output: opener) { event in
            if json { JSONMode.emit(event) }
            if out != nil, case .device(.playback, .unavailable(let message, _)) = event {
                let first = writeFailure.withLock { failure in
                    defer { if failure == nil { failure = message } }
                    return failure == nil
                }
                if first { running.withLock { $0 }?.quit() }
            }
        }
        running.withLock { $0 = call }
        Signals.install()
        Signals.onSignal(orAfter: seconds) { call.quit() }
        let reason = await call.run()
        if let failure = writeFailure.withLock({ $0 }) {
            Console.error("\(failure); the recording so far is kept")
            throw ExitCode(1)
        }
        if reason.isFailure {
            Console.error(reason.message)
            throw ExitCode(1)
        }
    }
}

extension FileOutput.Format: Equatable {
    public static func == (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case (.wav, .wav), (.oggOpus, .oggOpus): return true
        default: return false
        }
    }
}
