import ArgumentParser
import PTTAudio
import PTTClient
import PTTProtocol
import PTTSessionCore
import PTTSystem
import Synchronization

/// `ptt send ROOM NAME FILE`: stream a file into a room as one talk spurt, at real-time
/// pace, then leave.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Say a WAV or Ogg Opus file in a room as one talk spurt, in real time, then leave.",
        discussion: "WAV (8/16/24/32-bit integer or 32/64-bit float, 4 to 192 kHz, 1 to 8 channels) or Ogg Opus; converted to 48 kHz mono."
    )

    @Argument(help: "The room.")
    var room: String

    @Argument(help: "The name others see.")
    var name: String

    @Argument(help: "A WAV (integer or float samples) or Ogg Opus file.")
    var file: String

    @Flag(help: "Print events as JSON lines on stdout.")
    var json = false

    @OptionGroup var client: ClientOptions
    @OptionGroup var codec: CodecOptions

    func validate() throws {
        try ClientOptions.check(room: room, name: name)
    }

    enum Progress: Sendable { case ready, over(SessionCore.EndReason), denied(String) }

    func run() async throws {
        let samples: [Int16]
        let encoder: OpusEncoder
        do {
            samples = try AudioFile.read48kMono(file)
            encoder = try OpusEncoder(codec.opusSettings)
        } catch {
            Console.error("\(error)")
            throw ExitCode(1)
        }
        guard !samples.isEmpty else {
            Console.error("'\(file)' holds no audio")
            throw ExitCode(1)
        }
        let (connector, url) = try client.connector(room: room)
        let config = client.session(room: room, name: name, listen: false, url: url)
        let (progress, report) = AsyncStream.makeStream(of: Progress.self)
        let json = self.json
        let joins = Atomic<Int>(0)   // `ready` events: a second one is a reconnect
        let session = ClientSession(config: config, connector: connector, handlers: .init(event: { event in
            if json { JSONMode.emit(event.jsonObject) }
            switch event {
            case .ready:
                joins.add(1, ordering: .relaxed)
                report.yield(.ready)
            case .denied(let reason, let holder): report.yield(.denied(holder.map { "\(reason.rawValue) (\($0) is talking)" } ?? reason.rawValue))
            case .ended(let reason): report.yield(.over(reason))
            default: break
            }
        }))
        let running = Task { await session.run() }
        Signals.install()
        var outcome: String?
        loop: for await p in progress {
            switch p {
            case .ready:
                outcome = await Self.stream(samples, encoder: encoder, to: session) { joins.load(ordering: .relaxed) == 1 }
                break loop
            case .denied(let why):
                outcome = "the relay denied talking: \(why)"
                break loop
            case .over(let reason):
                outcome = reason.message
                break loop
            }
        }
        // Let the last frame and talk-off reach the relay before leaving.
        try? await Task.sleep(for: .milliseconds(100))
        session.quit()
        let reason = await running.value
        if let outcome {
            Console.error(outcome)
            throw ExitCode(1)
        }
        if reason.isFailure {
            Console.error(reason.message)
            throw ExitCode(1)
        }
    }

    static func seconds(_ samples: Int) -> String {
        let tenths = (samples * 10 + OpusSettings.sampleRate / 2) / OpusSettings.sampleRate
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// Encodes and sends every frame on its real-time deadline; nil when all went out.
    /// `sameConnection` says whether the connection the spurt started on is still the one.
    static func stream(_ samples: [Int16], encoder: OpusEncoder, to session: ClientSession,
                       sameConnection: () -> Bool) async -> String? {
        let n = encoder.frameSamples
        let frames = (samples.count + n - 1) / n
        let period = UInt64(n * 1_000_000 / OpusSettings.sampleRate) * .microsecond
        var deadline = MonotonicClock.now()
        // A spurt cannot go on across a reconnect: what was not sent is said, not hidden.
        func lost(after frame: Int) -> String? {
            if case .joined = session.snapshot.phase, sameConnection() { return nil }
            return "the connection to the relay was lost after \(Self.seconds(min(frame * n, samples.count))) of \(Self.seconds(samples.count)) s; "
                + (frame < frames ? "the rest was not sent" : "the last frames may not have arrived")
        }
        for i in 0..<frames {
            if Signals.received.load(ordering: .relaxed) != 0 { return "interrupted" }
            if let message = lost(after: i) { return message }
            var pcm = Array(samples[(i * n)..<min(samples.count, (i + 1) * n)])
            if pcm.count < n { pcm += [Int16](repeating: 0, count: n - pcm.count) }
            let packet: [UInt8]
            do { packet = try encoder.encode(pcm) } catch { return "\(error)" }
            var flags: AudioFrame.Flags = []
            if i == 0 { flags.insert(.start) }
            if i == frames - 1 { flags.insert(.end) }
            session.send(payload: packet, flags: flags)
            if session.snapshot.deniedUntilNextSpurt { return "the relay denied talking" }
            deadline += period
            try? await MonotonicClock.sleep(until: deadline)
        }
        return lost(after: frames)
    }
}
