import ArgumentParser
import Glibc
import PTTAudio
import PTTProtocol
import PTTAudioCore
import Synchronization
import PTTSystem

/// `ptt echo`: a microphone test. What you say comes back after about a second through the
/// whole path a call uses: capture → talk gate → Opus encoder → jitter buffer → decoder →
/// mixer → playback, with a level meter on one line.
struct EchoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo",
        abstract: "Microphone test: hear yourself through the codec after a second.",
        discussion: "Speak: the meter shows the microphone (mic) and what comes back (echo). q or Ctrl-C stops."
    )

    @OptionGroup var audio: AudioOptions

    @Option(name: .customLong("delay-ms"), help: ArgumentHelp("How long before you hear yourself.", valueName: "ms"),
            transform: { try WholeNumber.parse($0, option: "--delay-ms") })
    var delayMillis = 1000

    @Option(help: ArgumentHelp("Stop after this many seconds (0: until Ctrl-C).", valueName: "s"))
    var seconds = 0.0

    mutating func validate() throws {
        // A talk-key mode from the shared config file is for `join`: echo has no key.
        if let mode = audio.mode, mode == .hold || mode == .toggle { audio.capture.dropConfiguredMode() }
        guard (0...10_000).contains(delayMillis) else { throw ValidationError("invalid --delay-ms \(delayMillis): use 0 to 10000") }
        guard seconds >= 0 else { throw ValidationError("invalid --seconds \(seconds)") }
        if let mode = audio.mode, mode == .hold || mode == .toggle {
            throw ValidationError("ptt echo has no talk key: use --mode open (the default) or vox" + audio.capture.sources.note(blaming: ["mode"]))
        }
    }

    static let interrupted = Atomic<Bool>(false)

    /// The microphone's cleaning for the test: the user's, without echo cancellation. What
    /// comes back is the user's own voice played a second later; cancelling it from the
    /// microphone would hide what the test is for (hearing how the microphone sounds, and
    /// whether the speakers reach it).
    var processing: SpeechSettings {
        var s = audio.capture.speechSettings
        s.echoCancel = false
        return s
    }

    func run() async throws {
        let settings = audio.opusSettings
        let gate = audio.gateConfiguration(defaultMode: .open)
        let receiver = AudioEngines.receiver(for: audio.playback)
        let delayLine = DelayLine(delayNanos: UInt64(delayMillis) * .millisecond)
        let speaker: UInt32 = 1
        let engines = try AudioEngines(playback: audio.playback, codec: settings, input: audio.input,
                                       processing: processing, receiver: receiver, gate: gate, beforeMix: { now in
            for frame in delayLine.due(at: now) { receiver.receive(frame, at: now) }
        }) { frame in
            delayLine.push(frame.audioFrame(source: speaker))
            if frame.isStart { receiver.play(.talkStart) }
            if frame.isEnd { receiver.play(.talkEnd) }
        }
        guard let transmitter = engines.transmitter, let capture = engines.capture else { return }
        let playback = engines.playback
        let messages = StatusLog()
        engines.onStatusChange { messages.post($0 == .capture ? "microphone" : "speaker", $1) }

        // First Ctrl-C stops cleanly; a second one (if stopping hangs) kills as usual.
        signal(SIGINT) { _ in
            EchoCommand.interrupted.store(true, ordering: .relaxed)
            signal(SIGINT, SIG_DFL)
        }
        print("\(settings); \(gate.mode.rawValue) mode; echo after \(delayMillis) ms; microphone: \(processing.summary). q or Ctrl-C stops.")
        QuitKey.start()
        defer { QuitKey.restore() }
        engines.start()

        let start = MonotonicClock.now()
        while !Self.interrupted.load(ordering: .relaxed) {
            if seconds > 0 && Double(elapsed(from: start, to: MonotonicClock.now())) / 1e9 >= seconds { break }
            try await Task.sleep(for: .milliseconds(100))
            if QuitKey.pressed() { break }
            for line in messages.take() { print("\r\u{1B}[K" + line) }
            let mic = transmitter.captureLevel
            let back = receiver.level(of: speaker)
            let st = receiver.statistics(of: speaker)
            let tx = transmitter.isTransmitting ? "TX" : "  "
            var line = "\r\u{1B}[K\(tx) mic \(mic.meter(width: 20)) \(Self.db(mic.rmsDBFS))  echo \(back.meter(width: 20)) \(Self.db(back.rmsDBFS))"
            if let st { line += "  buf \(st.depth) (\(st.playout.targetNanos / 1_000_000) ms) lost \(st.lost)" }
            print(line, terminator: "")
            fflush(nil)   // stdout is a C global Swift 6 will not touch; flush every stream
        }
        engines.stop()
        print("")
        let st = receiver.statistics(of: speaker) ?? JitterBuffer.Statistics()
        print("sent \(transmitter.sentFrames) frames; played \(st.played), lost \(st.lost), concealed \(st.concealed), late \(st.late); xruns: capture \(capture.xruns), playback \(playback.xruns)")
    }

    static func db(_ v: Double) -> String {
        let i = Int(v.rounded())
        let s = i <= -96 ? "-inf" : String(i)
        return String(repeating: " ", count: max(0, 4 - s.count)) + s + " dBFS"
    }
}

/// Frames held back for `delayNanos` (the echo), shared by the transmit and playback threads.
final class DelayLine: @unchecked Sendable {
    private let delay: UInt64
    private let lock = Mutex<[(UInt64, AudioFrame)]>([])

    init(delayNanos: UInt64) { delay = delayNanos }

    func push(_ frame: AudioFrame) {
        let due = MonotonicClock.now() + delay
        lock.withLock { $0.append((due, frame)) }
    }

    func due(at now: UInt64) -> [AudioFrame] {
        lock.withLock { queue in
            var out: [AudioFrame] = []
            while let first = queue.first, first.0 <= now {
                out.append(first.1)
                queue.removeFirst()
            }
            return out
        }
    }
}

/// Device status changes from the audio threads (repeats already dropped), printed by the main loop.
final class StatusLog: Sendable {
    private let lines = Mutex<[String]>([])

    func post(_ what: String, _ status: DeviceStatus) {
        let text: String
        switch status {
        case .running(let device): text = "\(what): using '\(device)'"
        case .unavailable(let message, _): text = "\(what) unavailable (retrying in the background): \(message)"
        case .stopped: return
        }
        lines.withLock { $0.append(text) }
    }

    func take() -> [String] { lines.withLock { l in defer { l.removeAll() }; return l } }
}
