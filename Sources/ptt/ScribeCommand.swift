import Glibc
import ArgumentParser
import PTTClient
import PTTProtocol
import PTTScribe
import PTTSessionCore
import PTTSystem

/// `ptt scribe ROOM`: join as a listener, caption every spurt, keep transcripts.
struct ScribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scribe",
        abstract: "Caption a room: recognize each spurt and send its text to the room as a caption.",
        discussion: """
            Joins as a listener (its agent says it is a scribe) and recognizes each member's spurts apart, \
            with PocketSphinx's US English model (Debian: pocketsphinx-en-us) or with --engine-cmd. Works \
            through any relay, a plain forwarder too. Every member's screen shows the captions (c hides \
            them); `ptt join --json` and `ptt listen --json` print them as "caption" events.
            """
    )

    @Argument(help: "The room to caption.")
    var room: String

    @Option(help: ArgumentHelp("The name others see (default scribe).", valueName: "name"))
    var name = "scribe"

    @Option(help: ArgumentHelp("Append one JSON line per spurt to DIR/ROOM/DATE/transcript.jsonl.", valueName: "dir"))
    var transcripts: String?

    @Option(name: .customLong("engine-cmd"), help: ArgumentHelp("Recognize with this command instead of PocketSphinx: run through /bin/sh per spurt, it reads 16 kHz mono S16LE on stdin and writes the text on stdout.", valueName: "command"))
    var engineCommand: String?

    @Option(name: .customLong("engine-timeout"), help: ArgumentHelp("Seconds a --engine-cmd may take per spurt before it is stopped and the spurt skipped (default 30).", valueName: "s"))
    var engineTimeout: Double = 30

    @Option(help: ArgumentHelp("Spurts recognized at once (default 2; PocketSphinx takes about 40 MB per engine).", valueName: "n"))
    var engines: Int = 2

    @Flag(help: "Also send partial captions (final:false) every second while a spurt goes on.")
    var partial = false

    @Option(help: ArgumentHelp("Stop after this many seconds (default: until Ctrl-C).", valueName: "s"))
    var seconds: Double?

    @Flag(help: "Print events and the captions sent as JSON lines on stdout.")
    var json = false

    @OptionGroup var client: ClientOptions

    static let maxEngines = 16

    func validate() throws {
        try ClientOptions.check(room: room, name: name, nameOption: "--name")
        guard (1...Self.maxEngines).contains(engines) else { throw ValidationError("--engines must be 1 to \(Self.maxEngines)") }
        guard engineTimeout > 0, engineTimeout <= 3600 else { throw ValidationError("--engine-timeout must be more than 0 and at most 3600 seconds") }
        if let engineCommand, engineCommand.trimmingSpaces.isEmpty { throw ValidationError("--engine-cmd is empty") }
        if let transcripts, transcripts.isEmpty { throw ValidationError("--transcripts takes a directory") }
        if let seconds, !(seconds > 0 && seconds <= ListenCommand.maxSeconds) {
            throw ValidationError("--seconds must be more than 0 and at most \(Int(ListenCommand.maxSeconds)) (leave it out to run until Ctrl-C)")
        }
    }

    /// The recognizer the options choose.
    var recognizer: RecognizerChoice {
        if let engineCommand { return .command(engineCommand, timeout: UInt64(engineTimeout * 1e9)) }
        return .pocketSphinx(.debianEnglish)
    }

    func run() async throws {
        let (connector, url) = try client.connector(room: room)
        var config = client.session(room: room, name: name, listen: true, url: url)
        config.agent = ScribeCommand.agent
        let writer = try transcripts.map { try Self.writer(directory: $0) }
        let json = self.json
        let scribe: Scribe
        do {
            let pool = try RecognizerPool(recognizer: recognizer, engines: engines, partialEvery: partial ? 1_000_000_000 : nil)
            scribe = Scribe(config: config, connector: connector, pool: pool, transcripts: writer,
                            report: { Console.error($0) },
                            onEvent: { event in
                                if json { JSONMode.emit(event.jsonObject) }
                                if case .ready = event, !json { Console.error("captioning \(url)") }
                            },
                            onCaption: { sent in
                                guard json else { return }
                                JSONMode.emit(JSONObject([
                                    ("event", .string("captioned")), ("id", .int(Int64(sent.caption.about))),
                                    ("name", .string(sent.caption.name)), ("text", .string(sent.caption.text)),
                                    ("after_end_ms", .int(Int64(sent.afterEnd / 1_000_000))),
                                ]))
                            })
        } catch {
            Console.error("\(error)")
            throw ExitCode(1)
        }
        Signals.install()
        Signals.onSignal(orAfter: seconds) { scribe.quit() }
        let reason = await scribe.run()
        let c = scribe.counts
        Console.error("scribe: \(c.spurts) spurts, \(c.captions) captions, \(c.empty) without words, \(c.failed) failed, \(c.dropped) dropped for a full backlog")
        writer?.close()
        if reason.isFailure {
            Console.error(reason.message)
            throw ExitCode(1)
        }
    }

    /// `hello.agent` of a scribe.
    static let agent = "\(PTTVersion.clientAgent) scribe"

    /// A writer under `directory`, which must be (or become) a writable directory now, so a
    /// wrong path is an error before joining rather than a lost transcript later.
    static func writer(directory: String) throws -> TranscriptWriter {
        do {
            try Posix.makeDirectories(directory)
            _ = try Posix.call("access") { access(directory, W_OK) }
        } catch {
            throw ValidationError("--transcripts \(directory): \(error.reason)")
        }
        return TranscriptWriter(directory: directory) { Console.error($0) }
    }
}
