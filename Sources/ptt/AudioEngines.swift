import PTTAudio
import PTTAudioCore
import PTTProtocol
import PTTSystem
import Synchronization

/// The audio engines of one client, set up once for `join`, `listen` and `echo`: playback of the
/// receiver's mix (or another output, e.g. a file), and, unless only listening, capture and the
/// transmitter; started and stopped in the one order that loses no first period and leaves no
/// device open.
final class AudioEngines: Sendable {
    let receiver: Receiver
    let playback: PlaybackEngine
    let capture: CaptureEngine?
    let transmitter: Transmitter?
    /// What the speakers played, for the echo canceller (nil with it off or only listening).
    let echoReference: EchoReference?

    /// The receiver for `playback`'s output (mono or stereo, cues on or off).
    static func receiver(for playback: PlaybackOptions) -> Receiver {
        let receiver = Receiver(channels: playback.channels)
        receiver.cuesEnabled = !playback.noCues
        return receiver
    }

    /// `gate`: nil only listens (no capture, no transmitter); else `input` is the microphone
    /// and `codec` the encoder's settings, `processing` the microphone's cleaning before the
    /// gate (with `echoCancel`, every period mixed is also handed to the transmitter as the
    /// echo canceller's far end). `output` replaces the playback
    /// device. `beforeMix` runs on the playback thread before each period is mixed (with the
    /// time it is mixed at), `played` after, with the period. `sink` gets each encoded frame on
    /// the transmit thread.
    init(playback options: PlaybackOptions, codec: OpusSettings, input: String, processing: SpeechSettings = .off,
         receiver: Receiver, gate: TalkGate.Configuration?,
         output: PlaybackEngine.Opener? = nil,
         beforeMix: (@Sendable (UInt64) -> Void)? = nil, played: (@Sendable ([Int16]) -> Void)? = nil,
         sink: @escaping @Sendable (Transmitter.Frame) -> Void) throws {
        self.receiver = receiver
        let reference: EchoReference? = gate != nil && processing.echoCancel ? EchoReference() : nil
        echoReference = reference
        let channels = options.channels
        let render: PlaybackEngine.Render = { buffer, frames in
            let now = MonotonicClock.now()
            beforeMix?(now)
            receiver.render(into: &buffer, frames: frames, at: now)
            reference?.played(buffer, frames: frames, channels: channels)
            played?(buffer)
        }
        if let output {
            playback = PlaybackEngine(channels: options.channels, periodMillis: options.periodMillis, opener: output, render: render)
        } else {
            playback = PlaybackEngine(device: options.output, channels: options.channels, periodMillis: options.periodMillis, render: render)
        }
        if let gate {
            let capture = CaptureEngine(device: input, periodMillis: options.periodMillis)
            transmitter = try Transmitter(ring: capture.ring, gate: gate, codec: codec, processing: processing,
                                          echoReference: reference, sink: sink)
            self.capture = capture
            if let reference {
                playback.sampleDelayOften()
                capture.sampleDelayOften()
                reference.alignUsing { [playback] in (playback.deviceDelayFrames, capture.deviceDelayFrames) }
            }
        } else {
            capture = nil
            transmitter = nil
        }
    }

    /// Device status changes, by direction, each reported once (a retry repeats the same status).
    func onStatusChange(_ handler: @escaping @Sendable (AudioDirection, DeviceStatus) -> Void) {
        let filter = DeviceStatusFilter()
        playback.onStatusChange { if filter.changed(.playback, $0) { handler(.playback, $0) } }
        capture?.onStatusChange { if filter.changed(.capture, $0) { handler(.capture, $0) } }
    }

    /// Playback first (it plays silence until there is audio), then the transmitter, then the
    /// microphone, so the first period captured is encoded.
    func start() {
        playback.start()
        transmitter?.start()
        capture?.start()
    }

    /// The reverse: nothing captured after the transmitter stopped, playback drained last.
    func stop() {
        capture?.stop()
        transmitter?.stop()
        playback.stop()
    }
}

/// Tells a device status that changed from one that repeats (an engine retrying a missing device
/// reports the same status every attempt).
final class DeviceStatusFilter: Sendable {
    private let last = Mutex<[AudioDirection: String]>([:])

    func changed(_ direction: AudioDirection, _ status: DeviceStatus) -> Bool {
        // The retry delay grows with each attempt: the same trouble is not news.
        let key: String
        switch status {
        case .running(let device): key = "running \(device)"
        case .unavailable(let message, _): key = "unavailable \(message)"
        case .stopped: key = "stopped"
        }
        return last.withLock { l in
            defer { l[direction] = key }
            return l[direction] != key
        }
    }
}
