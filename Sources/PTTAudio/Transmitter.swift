import PTTProtocol
import PTTAudioCore
import PTTSystem

/// The sending half: takes captured audio from a `SampleRing`, cleans it with the
/// `SpeechProcessor` (noise suppression, AGC, echo cancellation against what the
/// `EchoReference` says was played; each when switched on), runs it through the `TalkGate`
/// and the `OpusEncoder`, and hands each encoded `Frame` (START/END set, seq
/// continuing) to `sink` at the pace of the capture, one frame per frame duration.
///
/// Ownership: the speech processor, the encoder and the frame loop belong to the transmit thread. The gate and the
/// capture level are protected by `lock`, so `keyDown`, `keyUp`, `deny`, `setMode` and the
/// readers may be called from any thread. `sink` runs on the transmit thread: it must not
/// block (yield to an AsyncStream, write to a non-blocking queue).
public final class Transmitter: @unchecked Sendable {
    /// What the transmitter decides for one frame: the Opus packet, the spurt boundaries and
    /// the gate's sequence number (continuing across spurts). No source id: whoever sends the
    /// frame stamps one (a session the id its relay assigned, `ptt echo` its own).
    public struct Frame: Equatable, Sendable {
        public var payload: [UInt8]
        public var seq: UInt16
        public var flags: AudioFrame.Flags

        public init(payload: [UInt8], seq: UInt16, flags: AudioFrame.Flags) {
            self.payload = payload
            self.seq = seq
            self.flags = flags
        }

        public var isStart: Bool { flags.contains(.start) }
        public var isEnd: Bool { flags.contains(.end) }

        /// The frame as `source` sends it on the wire.
        public func audioFrame(source: UInt32) -> AudioFrame {
            AudioFrame(kind: .opus, source: source, seq: seq, flags: flags, payload: payload)
        }
    }

    public typealias Sink = @Sendable (Frame) -> Void

    public let settings: OpusSettings
    /// The microphone's cleaning before the gate (`.off`: the samples go on as captured).
    public let processing: SpeechSettings
    private let ring: SampleRing
    private let sink: Sink
    private let encoder: OpusEncoder
    private let processor: SpeechProcessor?
    private let echoReference: EchoReference?
    private let lock = ConditionLock()
    private var thread: AudioThread?
    // Protected by lock:
    private var gate: TalkGate
    private var level = AudioLevel.silence
    private var running = false
    private var framesSent = 0
    private var backlogDrops = 0

    /// - Parameters:
    ///   - ring: where the capture engine puts samples.
    ///   - gate: talk gate settings; their frame length is replaced by the codec's.
    ///   - processing: echo cancellation, noise suppression and AGC before the gate, so that vox
    ///     decides on the cleaned signal and the level meter shows what is sent (default: none).
    ///   - echoReference: what the speakers played, for the echo canceller (with
    ///     `processing.echoCancel`; without it the far end is taken as silent).
    ///   - firstSeq: the gate's first sequence number.
    public init(ring: SampleRing, gate: TalkGate.Configuration, codec: OpusSettings = OpusSettings(),
                processing: SpeechSettings = .off, echoReference: EchoReference? = nil, firstSeq: UInt16 = 0,
                sink: @escaping Sink) throws {
        self.settings = try codec.validated()
        self.encoder = try OpusEncoder(settings)
        self.processing = processing
        if processing.isActive {
            guard SpeechProcessor.accepts(frameSamples: settings.frameSamples) else {
                throw SpeexError(code: -1, call: "speech processing of \(settings.frameSamples)-sample frames")
            }
            self.processor = try SpeechProcessor(processing)
        } else {
            self.processor = nil
        }
        self.echoReference = processing.echoCancel ? echoReference : nil
        var g = gate
        g.frameMillis = settings.frameMillis
        self.gate = TalkGate(g, firstSeq: firstSeq)
        self.ring = ring
        self.sink = sink
    }

    public func keyDown() { lock.withLock { gate.keyDown() } }
    public func keyUp() { lock.withLock { gate.keyUp() } }
    /// The relay denied the floor: end the spurt now, wait for the next press.
    public func deny() { lock.withLock { gate.deny() } }
    public func setMode(_ mode: TalkGate.Mode) { lock.withLock { gate.setMode(mode) } }
    /// Mutes the microphone: nothing is sent, in any mode, until unmuted.
    public func setMicMuted(_ muted: Bool) { lock.withLock { gate.setMuted(muted) } }
    public var isMicMuted: Bool { lock.withLock { gate.muted } }

    /// Level of the last captured frame.
    public var captureLevel: AudioLevel { lock.withLock { level } }
    public var isTransmitting: Bool { lock.withLock { gate.isTransmitting } }
    public var mode: TalkGate.Mode { lock.withLock { gate.configuration.mode } }
    public var sentFrames: Int { lock.withLock { framesSent } }
    /// How often a spurt started behind a capture backlog that was dropped.
    public var droppedBacklogs: Int { lock.withLock { backlogDrops } }

    /// Changes the expected loss FEC is sized for (from the loss the others report).
    /// Takes effect from the next frame; call from any thread.
    public func setExpectedLoss(percent: Int) {
        lock.withLock { pendingLoss = percent }
    }
    private var pendingLoss: Int?   // protected by lock

    public func start() {
        let already = lock.withLock { () -> Bool in
            if running { return true }
            running = true
            return false
        }
        guard !already else { return }
        thread = AudioThread(name: "ptt-transmit") { [self] in run() }
    }

    public func stop() {
        lock.withLock { running = false }
        ring.wakeReaders()
        thread?.join()
        thread = nil
    }

    private func run() {
        let n = encoder.frameSamples
        var farEnd = [Int16](repeating: 0, count: echoReference == nil ? 0 : n)
        while lock.withLock({ running }) {
            guard case (var samples, let remaining)? = ring.read(n, waitingUntil: MonotonicClock.now() + 100_000_000) else { continue }
            // In place, on the frame the gate gets (a frame is whole 10 ms blocks: checked in init).
            if let processor {
                if let echoReference {
                    // The far end is taken on every captured frame, sent or not, so the
                    // canceller keeps converging and the two streams stay in step.
                    echoReference.take(into: &farEnd, captureBacklog: remaining)
                    try? processor.process(&samples, farEnd: farEnd)
                } else {
                    try? processor.process(&samples)
                }
            }
            let (step, loss) = lock.withLock { () -> (TalkGate.Step, Int?) in
                level = AudioLevel(measuring: samples)
                let step = gate.process(samples, backlog: remaining / n)
                if step.dropBacklog { backlogDrops += 1 }
                if step.output != nil { framesSent += 1 }
                defer { pendingLoss = nil }
                return (step, pendingLoss)
            }
            if step.dropBacklog { ring.removeAll() }
            if let loss { try? encoder.setExpectedLoss(percent: loss) }
            guard let out = step.output else { continue }
            do {
                let payload = try encoder.encode(out.samples)
                sink(Frame(payload: payload, seq: out.seq, flags: out.flags))
            } catch {
                // An encoder error on a valid frame size cannot happen with a working libopus;
                // the frame is skipped (the receiver conceals it) rather than stopping audio.
                continue
            }
        }
    }
}
