import ArgumentParser
import Glibc
import PTTAudio
import PTTClient
import PTTProtocol
import PTTSessionCore

/// `ptt join ROOM NAME`: join a room and talk.
struct JoinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Join a room and talk: hold space to talk, q to quit.",
        discussion: """
            With --json there is no screen: events are printed as JSON lines and commands are read \
            from standard input, one per line: talk on, talk off, chat TEXT, mic on|off (off: the \
            microphone muted), mute on|off (the speakers; also deafen on|off), volume NAME PERCENT, \
            silence NAME on|off, stats (receive statistics as a stats event), quit (or exit).
            """
    )

    @Argument(help: "The room: 1 to 64 of A-Z a-z 0-9 . _ ~ - (rooms starting with _ are unlisted).")
    var room: String

    @Argument(help: "Your name as others see it: 1 to 32 characters.")
    var name: String

    @OptionGroup var client: ClientOptions

    @Flag(help: "Listen only: never talk, no microphone needed.")
    var listen = false

    @Flag(help: "No screen: JSON events on stdout, commands on stdin.")
    var json = false

    @Flag(help: "Host the room: start a relay in this process on --relay's address (default 0.0.0.0:7700) and join it. It requires --token, or a random token that the join command shown to share carries.")
    var host = false

    @Option(name: .customLong("log-file"), help: ArgumentHelp("Write logs here (never to the screen).", valueName: "file"))
    var logFile: String?

    @Option(help: ArgumentHelp("Record the session as you hear it, plus what you say, to a WAV or (.opus/.ogg) Ogg Opus file.", valueName: "file"))
    var record: String?

    @OptionGroup var audio: AudioOptions

    mutating func validate() throws {
        try ClientOptions.check(room: room, name: name)
        // A typed --listen wins over a configured talk mode; a typed --mode is refused.
        if listen, let mode = audio.mode, mode != .hold { audio.capture.dropConfiguredMode() }
        if listen, let mode = audio.mode, mode != .hold {
            throw ValidationError("--listen never talks: --mode \(mode.rawValue) makes no sense with it")
        }
    }

    func run() async throws {
        let logger = try LogFile.logger(label: "ptt", path: logFile)
        var relay = try client.relayURL()
        var hosted: HostedRelay?
        // A hosted room is never open to anyone who finds the port: without --token, a
        // random token is required, and the join command others are given carries it.
        var madeUpToken: String?
        if host {
            let bind = client.relay == nil ? RelayURL(secure: false, host: "0.0.0.0", port: 7700) : relay
            if client.token == nil { madeUpToken = HostedRelay.newToken() }
            do {
                hosted = try await HostedRelay.start(bind: bind, token: client.token ?? madeUpToken, logger: logger)
            } catch {
                Console.error("\(error)")
                throw ExitCode(1)
            }
            relay = hosted?.localURL ?? relay
        }
        // Hosting: our own relay; otherwise every --relay URL, for failover.
        let (connector, url) = try client.connector(room: room, relay: host ? relay : nil, token: madeUpToken)
        // What others add to the join command: the token itself only when ptt made it up.
        let tokenArgument = madeUpToken.map { " --token \($0)" } ?? (client.token == nil ? "" : " --token (the token you gave)")
        var recorder: SessionRecorder?
        if let record {
            do {
                recorder = try SessionRecorder(path: record, format: FileOutput.Format.guess(path: record, settings: audio.opusSettings))
            } catch {
                await hosted?.stop()
                // A file error already names the file.
                if case AudioDeviceError.fileFailed = error { Console.error("--record: \(error)") } else {
                    Console.error("cannot record to '\(record)': \(error)")
                }
                throw ExitCode(1)
            }
        }
        let config = client.session(room: room, name: name, listen: listen, url: url)
        let speakers = SpeakerMemory(path: SpeakerMemory.defaultPath())
        guard json else {
            let state = ScreenState(room: room, relayURL: url)
            if let hosted {
                state.values.withLock { $0.hosting = "hosting" }
                for share in hosted.shareURLs { state.notice("hosting: others join with: ptt join \(room) NAME --relay \(share)\(tokenArgument)") }
            }
            if let problem = speakers.problem { state.notice(problem) }
            let call = try Call(session: config, connector: connector, codec: audio.codec, playback: audio.playback, capture: audio.capture,
                                defaultMode: .hold, recorder: recorder, speakers: speakers) { state.apply($0) }
            let outcome: (SessionCore.EndReason, Int32?)
            do {
                outcome = try await TerminalMode.run(call: call, state: state, name: name, logFile: logFile)
            } catch {
                await hosted?.stop()
                Console.error("\(error)")
                throw ExitCode(1)
            }
            await hosted?.stop()
            if let failure = recorder?.failure { Console.error(failure) }
            if outcome.0.isFailure {
                Console.error(outcome.0.message)
                throw ExitCode(1)
            }
            if let signal = outcome.1 { throw ExitCode(128 + signal) }
            return
        }
        if let hosted {
            JSONMode.emit(JSONObject([("event", .string("hosting")), ("room", .string(room)),
                                      ("urls", .array(hosted.shareURLs.map { .string("\($0)/\(room)") }))]
                                     + (madeUpToken.map { [("token", JSONValue.string($0))] } ?? [])))
        }
        if let problem = speakers.problem {
            JSONMode.emit(JSONObject([("event", .string("error")), ("code", .string("speaker-settings")), ("text", .string(problem))]))
        }
        let call = try Call(session: config, connector: connector, codec: audio.codec, playback: audio.playback, capture: audio.capture,
                            defaultMode: .hold, recorder: recorder, speakers: speakers) { JSONMode.emit($0) }
        JSONMode.readCommands(call: call)
        Signals.install()
        Signals.onSignal { call.quit() }
        let reason = await call.run()
        await hosted?.stop()
        if let failure = recorder?.failure { Console.error(failure) }
        if reason.isFailure {
            Console.error(reason.message)
            throw ExitCode(1)
        }
    }
}
