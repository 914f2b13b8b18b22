import ArgumentParser
import Glibc
import PTTAudio
import PTTClient
import PTTCore
import Synchronization

/// `ptt join ROOM NAME`: join a room and talk.
struct JoinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Join a room and talk: hold space to talk, q to quit.",
        discussion: """
            With --json there is no screen: events are printed as JSON lines and commands are read \
            from standard input (talk on, talk off, chat TEXT, mute on|off, quit).
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

    @OptionGroup var audio: AudioOptions

    func validate() throws {
        guard Validation.isValidRoom(room) else {
            throw ValidationError("invalid room '\(room)': use 1 to 64 of A-Z a-z 0-9 . _ ~ - (not . or ..)")
        }
        guard Validation.isValidName(name) else {
            throw ValidationError("invalid name '\(name)': 1 to 32 characters, no control characters, no spaces at either end")
        }
        if listen, let mode = audio.mode, mode != .hold {
            throw ValidationError("--listen never talks: --mode \(mode.rawValue) makes no sense with it")
        }
    }

    static let signalled = Atomic<Int32>(0)

    func run() async throws {
        let relay = try client.relayURL()
        let url = try relay.url(room: room)
        var options = ConnectOptions(relay: relay, room: room, token: client.token)
        options.trustRootsPEM = client.tlsCA
        options.insecureTLS = client.tlsInsecure
        let connector = try WebSocketConnector(options: options)
        let config = SessionCore.Configuration(room: room, name: name, listen: listen, url: url)
        guard json else {
            throw ValidationError("the terminal screen is not available in this build yet: use --json")
        }
        let call = try Call(session: config, connector: connector, audio: audio, defaultMode: .hold) { JSONMode.emit($0) }
        JSONMode.readCommands(call: call)
        Self.installSignalHandlers()
        let watcher = Task {
            while !Task.isCancelled {
                if Self.signalled.load(ordering: .relaxed) != 0 { call.quit(); return }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        let reason = await call.run()
        watcher.cancel()
        if reason.isFailure {
            Console.error(reason.message)
            throw ExitCode(1)
        }
    }

    static func installSignalHandlers() {
        for s in [SIGINT, SIGTERM, SIGHUP] {
            signal(s) { JoinCommand.signalled.store($0, ordering: .relaxed) }
        }
        signal(SIGPIPE, SIG_IGN)
    }
}
