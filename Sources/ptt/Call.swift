import PTTAudio
import PTTClient
import PTTProtocol
import PTTAudioCore
import PTTSessionCore
import PTTSystem
import Synchronization
import Glibc

/// One person in one room: the session wired to the audio engine.
///
/// Capture → talk gate → encoder → `ClientSession.send`; `ClientSession` → `Receiver`
/// (jitter buffers, decoders, mixer) → playback. Everything here is thread-safe: the
/// transmitter's sink runs on the transmit thread, session events on NIO's event loop,
/// commands on the UI or stdin thread.
final class Call: Sendable {
    let session: ClientSession
    let engines: AudioEngines
    var receiver: Receiver { engines.receiver }
    var capture: CaptureEngine? { engines.capture }
    var transmitter: Transmitter? { engines.transmitter }
    var playback: PlaybackEngine { engines.playback }
    let settings: OpusSettings
    let listen: Bool
    let recorder: SessionRecorder?
    /// `--expected-loss auto`: FEC follows the loss seen on incoming audio.
    let adaptiveLoss: Bool
    let mix = Mutex<(volume: Double, muted: Bool)>((1.0, false))
    /// Per-person volume and mute, remembered by name.
    let speakers: SpeakerMemory
    /// Statistics of speakers that left, kept for `stats` until ptt quits.
    let departed = DepartedSpeakers()
    /// The names of the speakers of history spurts the relay sent (they may have left long ago).
    let historyNames = HistoryNames()
    /// The mode the user chose. Talk commands are absolute (on/off: the screen's key mapper
    /// keeps the toggle latch itself), so in `toggle` mode the gate runs as `hold`.
    let mode: Mutex<TalkMode>

    /// Builds the call. `onEvent` receives session events and device status, on any thread.
    /// `output` replaces the playback device (e.g. a file for `ptt listen --out`).
    /// `capture` nil: no microphone options, as for `ptt listen` (which only listens).
    init(session config: SessionCore.Configuration, connector: any RelayConnector, codec: CodecOptions, playback: PlaybackOptions,
         capture: CaptureOptions?, defaultMode: TalkGate.Mode, output: PlaybackEngine.Opener? = nil, recorder: SessionRecorder? = nil,
         speakers: SpeakerMemory = SpeakerMemory(path: nil),
         onEvent: @escaping @Sendable (CallEvent) -> Void) throws {
        self.recorder = recorder
        self.speakers = speakers
        let departed = self.departed
        let historyNames = self.historyNames
        listen = config.listen || capture == nil
        adaptiveLoss = codec.adaptiveLoss
        settings = codec.opusSettings
        var gate = capture?.gateConfiguration(frameMillis: settings.frameMillis, defaultMode: defaultMode)
        mode = Mutex(gate?.mode ?? defaultMode)
        if gate?.mode == .toggle { gate?.mode = .hold }
        let receiver = AudioEngines.receiver(for: playback)
        let transmitterBox = Mutex<Transmitter?>(nil)
        session = ClientSession(config: config, connector: connector, handlers: .init(
            event: { event in
                switch event {
                case .memberJoined(let m), .memberRenamed(let m):
                    if let name = m.name { Self.apply(speakers[name], to: m.id, in: receiver) }
                case .memberLeft(let m):
                    if let statistics = receiver.statistics(of: m.id) { departed.add(m.id, m.displayName, statistics) }
                    receiver.removeSpeaker(m.id)
                case .transmitting(let on):
                    receiver.play(on ? .talkStart : .talkEnd)
                case .denied:
                    // One answer: a refusal during the permit chirp replaces it.
                    receiver.replaceCues(with: .busy)
                default:
                    break
                }
                onEvent(.session(event))
            },
            play: { frame in receiver.receive(frame) },
            stopTransmitting: { _ in transmitterBox.withLock { $0 }?.deny() },
            history: { spurt in
                historyNames.names.withLock { names in
                    if names.count > 256 { names.removeAll() }
                    names[spurt.id] = spurt.name
                }
                let started = MonotonicClock.now() &- UInt64(spurt.agoMillis) * 1_000_000
                receiver.addHistory(speaker: spurt.id, packets: spurt.packets, started: started)
            }))
        let channels = playback.channels
        let session = self.session
        var played: (@Sendable ([Int16]) -> Void)?
        if let recorder { played = { recorder.played($0, channels: channels) } }
        engines = try AudioEngines(playback: playback, codec: settings, input: capture?.input ?? "default",
                                   processing: capture?.speechSettings ?? .off, receiver: receiver,
                                   gate: listen ? nil : gate, output: output, played: played) { frame in
            session.send(payload: frame.payload, flags: frame.flags)
            recorder?.sent(frame)
        }
        engines.onStatusChange { onEvent(.device($0, $1)) }
        transmitterBox.withLock { $0 = engines.transmitter }
    }

    /// Starts the devices and runs the session until it ends.
    func run() async -> SessionCore.EndReason {
        engines.start()
        let lossTask = adaptiveLoss ? Task { [receiver, transmitter] in
            // Every 2 s: the loss seen on incoming audio sizes our FEC (LossEstimator).
            var estimator = LossEstimator()
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(2))
                let totals = receiver.lossTotals
                if let percent = estimator.update(totalReceived: totals.received, totalLost: totals.lost) {
                    transmitter?.setExpectedLoss(percent: percent)
                }
            }
        } : nil
        let reason = await session.run()
        lossTask?.cancel()
        engines.stop()
        recorder?.finish()
        return reason
    }

    func talk(_ on: Bool) {
        guard let transmitter else { return }
        if on { transmitter.keyDown() } else { transmitter.keyUp() }
    }

    /// The talk mode the user sees.
    var talkMode: TalkMode { mode.withLock { $0 } }

    /// Switches the talk mode; transmission stops until the new mode opens the gate.
    func setMode(_ new: TalkMode) {
        mode.withLock { $0 = new }
        transmitter?.keyUp()
        transmitter?.setMode(new == .toggle ? .hold : new)
    }

    func setMuted(_ muted: Bool) {
        let gain = mix.withLock { m -> Double in
            m.muted = muted
            return m.muted ? 0 : m.volume
        }
        receiver.masterGain = gain
    }

    /// Changes the speaker volume by `steps` of 10 %, between 0 and 200 %.
    func changeVolume(by steps: Int) -> Double {
        let (gain, volume) = mix.withLock { m -> (Double, Double) in
            m.volume = min(2, max(0, ((m.volume * 10).rounded() + Double(steps)) / 10))
            return (m.muted ? 0 : m.volume, m.volume)
        }
        receiver.masterGain = gain
        return volume
    }

    /// Mutes or unmutes the microphone: the transmitter sends nothing, the room is told.
    func setMicMuted(_ muted: Bool) {
        transmitter?.setMicMuted(muted)
        session.setMicMuted(muted)
    }

    var micMuted: Bool { session.snapshot.micMuted }

    static func apply(_ setting: SpeakerPreferences.Setting, to id: UInt32, in receiver: Receiver) {
        receiver.setGain(id, dB: setting.volumePercent > 0 ? 20 * log10(Double(setting.volumePercent) / 100) : -120)
        receiver.setMuted(id, setting.muted || setting.volumePercent == 0)
    }

    /// Changes how loud member `id` (joined as `name`) plays, remembers it for `name`; returns
    /// the new setting and, when it could not be saved, why.
    func changeSpeaker(_ id: UInt32, name: String, _ change: (inout SpeakerPreferences) -> SpeakerPreferences.Setting) -> (SpeakerPreferences.Setting, String?) {
        let (setting, problem) = speakers.update(name, change)
        Self.apply(setting, to: id, in: receiver)
        return (setting, problem)
    }

    /// A speaker's name: as in the roster, or as when it left; `#ID` when it never said.
    func speakerName(_ id: UInt32) -> String {
        if let m = session.snapshot.roster[id] { return m.displayName }
        return departed.all.last { $0.id == id }?.name ?? historyNames.names.withLock { $0[id] } ?? "#\(id)"
    }

    func quit() { session.quit() }
}

/// The names of the speakers of history spurts the relay sent, by id (shared with a handler).
final class HistoryNames: Sendable {
    let names = Mutex<[UInt32: String]>([:])
}

/// The receive statistics of speakers who left, for `stats` until ptt quits (the newest 256).
final class DepartedSpeakers: Sendable {
    static let limit = 256
    private let list = Mutex<[(id: UInt32, name: String, statistics: JitterBuffer.Statistics)]>([])

    func add(_ id: UInt32, _ name: String, _ statistics: JitterBuffer.Statistics) {
        list.withLock { d in
            d.append((id, name, statistics))
            if d.count > Self.limit { d.removeFirst(d.count - Self.limit) }
        }
    }

    var all: [(id: UInt32, name: String, statistics: JitterBuffer.Statistics)] { list.withLock { $0 } }
}

/// What a running call reports.
enum CallEvent: Sendable {
    case session(SessionEvent)
    case device(AudioDirection, DeviceStatus)
}
