import PTTProtocol

/// Decides, frame by captured frame, what is transmitted: push-to-talk (`hold`), `toggle`,
/// voice activation (`vox`) or `open`, with a release tail, a pre-roll ring and
/// backlog dropping. It emits at most one frame per captured frame, so a spurt never
/// leaves faster than real time (PROTOCOL.md §2); seq continues across spurts.
///
/// Time is the capture stream itself: every call to `process` is one frame later.
/// A value type with no clock and no device: the capture thread drives it.
public struct TalkGate: Sendable {
    /// How the gate opens (`TalkMode`, shared with the screen and the key bindings).
    public typealias Mode = TalkMode

    public struct Configuration: Equatable, Sendable {
        public var mode: Mode
        /// Length of one frame in milliseconds (10, 20, 40 or 60; 2.5 and 5 work too).
        public var frameMillis: Double
        /// How long transmission continues after the key is released or voice stops: 0...2000 ms.
        public var tailMillis: Double
        /// Audio kept from before the spurt starts; it delays the whole spurt by its length.
        public var preRollMillis: Double
        /// VOX: the sliding mean of frame RMS must reach this level to open the gate.
        public var voxOnDBFS: Double
        /// VOX: below this level (hysteresis) the hangover starts counting.
        public var voxOffDBFS: Double
        /// VOX: length of the sliding mean window.
        public var voxWindowMillis: Double
        /// VOX: how long the gate stays open after the level fell below `voxOffDBFS`.
        public var voxHangoverMillis: Double

        public static let tailRange: ClosedRange<Double> = 0...2000
        public static let defaultTailMillis: Double = 150
        public static let defaultVoxPreRollMillis: Double = 60

        /// Defaults per mode: 150 ms tail; 60 ms pre-roll in vox, none otherwise.
        public init(mode: Mode, frameMillis: Double = 20, tailMillis: Double = defaultTailMillis,
                    preRollMillis: Double? = nil, voxOnDBFS: Double = -40, voxOffDBFS: Double = -46,
                    voxWindowMillis: Double = 60, voxHangoverMillis: Double = 300) {
            self.mode = mode
            self.frameMillis = frameMillis
            self.tailMillis = min(max(tailMillis, Self.tailRange.lowerBound), Self.tailRange.upperBound)
            self.preRollMillis = max(0, preRollMillis ?? (mode == .vox ? Self.defaultVoxPreRollMillis : 0))
            self.voxOnDBFS = voxOnDBFS
            self.voxOffDBFS = min(voxOffDBFS, voxOnDBFS)
            self.voxWindowMillis = voxWindowMillis
            self.voxHangoverMillis = voxHangoverMillis
        }

        func frames(_ millis: Double) -> Int { Int((millis / frameMillis).rounded(.up)) }
        /// Frames sent after the release, counting the frame in which it happened (at least 1).
        var tailFrames: Int { max(1, frames(tailMillis)) }
        var preRollFrames: Int { frames(preRollMillis) }
        var voxWindowFrames: Int { max(1, frames(voxWindowMillis)) }
        var voxHangoverFrames: Int { frames(voxHangoverMillis) }
    }

    /// One frame to encode and send.
    public struct Output: Equatable, Sendable {
        public var samples: [Int16]
        public var seq: UInt16
        public var flags: AudioFrame.Flags
    }

    /// What the caller does after one captured frame.
    public struct Step: Equatable, Sendable {
        /// A frame to encode and send now, if any.
        public var output: Output?
        /// A spurt is starting behind a capture backlog: discard every frame still queued
        /// so the spurt starts with fresh audio instead of carrying the delay forever.
        public var dropBacklog: Bool = false
        /// A spurt started with this step (the caller may play the talk-start cue).
        public var started: Bool { output?.flags.contains(.start) ?? false }
        /// A spurt ended with this step.
        public var ended: Bool { output?.flags.contains(.end) ?? false }
    }

    enum State: Equatable, Sendable {
        case idle
        /// Capturing into the spurt; `tailLeft` frames are still sent once nothing asks for it.
        case talking(tailLeft: Int)
        /// Capture of the spurt is over; the pre-roll delay line is being emptied.
        case draining
    }

    public private(set) var configuration: Configuration
    private(set) var state: State = .idle
    /// Next sequence number to send; continues across spurts.
    public private(set) var nextSeq: UInt16
    /// Frames captured but not yet emitted: the pre-roll delay (emptied one per frame).
    private var queue: [[Int16]] = []
    private var queueHead = 0
    /// Frames captured while idle, newest last, at most `preRollFrames`.
    private var preRoll: [[Int16]] = []

    // Key state.
    private var keyHeld = false
    /// A press seen since the last frame: a tap shorter than a frame still makes a spurt.
    private var pressedSinceFrame = false
    private var toggledOn = false
    /// Set by `deny`: nothing is sent until the key is pressed again.
    private var suppressed = false
    /// The microphone is muted: nothing is sent in any mode until it is unmuted.
    public private(set) var muted = false

    // VOX state.
    private var voxPowers: [Double] = []
    private var voxIndex = 0
    private var voxOpen = false
    private var voxBelow = 0
    /// The sliding mean of the last frames' level, for a meter or a threshold setting UI.
    public private(set) var voxLevelDBFS: Double = AudioLevel.floorDBFS

    public init(_ configuration: Configuration, firstSeq: UInt16 = 0) {
        self.configuration = configuration
        self.nextSeq = firstSeq
    }

    /// Whether a spurt is in progress (including its tail and pre-roll drain).
    public var isTransmitting: Bool { state != .idle }

    /// Changes the mode between spurts or during one; the gate keeps its seq.
    public mutating func setMode(_ mode: Mode) {
        configuration.mode = mode
        toggledOn = false
    }

    /// The talk key went down.
    public mutating func keyDown() {
        suppressed = false
        if configuration.mode == .toggle { toggledOn.toggle() }
        keyHeld = true
        pressedSinceFrame = true
    }

    /// The talk key went up (ignored in toggle mode: only presses count).
    public mutating func keyUp() {
        keyHeld = false
    }

    /// The relay refused or ended our talking: the spurt ends with the next frame, without
    /// a tail, and nothing is sent until the key is pressed again.
    public mutating func deny() {
        suppressed = true
        toggledOn = false
        if case .talking = state { state = .talking(tailLeft: 0) }
    }

    /// Mutes or unmutes the microphone. Muting ends a spurt at once, as `deny` does; a toggle
    /// latch is released, so unmuting never resumes talking by itself (in `hold` the key must
    /// still be down; `open` and `vox` send again as they would).
    public mutating func setMuted(_ on: Bool) {
        muted = on
        guard on else { return }
        toggledOn = false
        if case .talking = state { state = .talking(tailLeft: 0) }
    }

    /// Whether the user (or the voice detector) asks to transmit at this frame.
    private func wanted() -> Bool {
        if suppressed || muted { return false }
        switch configuration.mode {
        case .hold: return keyHeld || pressedSinceFrame
        case .toggle: return toggledOn
        case .vox: return voxOpen
        case .open: return true
        }
    }

    private mutating func updateVox(_ samples: [Int16]) {
        let level = AudioLevel(measuring: samples)
        let window = configuration.voxWindowFrames
        if voxPowers.count != window {
            voxPowers = Array(repeating: 0, count: window)
            voxIndex = 0
        }
        voxPowers[voxIndex] = level.rms * level.rms
        voxIndex = (voxIndex + 1) % window
        let mean = voxPowers.reduce(0, +) / Double(window)
        voxLevelDBFS = AudioLevel.dBFS(mean.squareRoot())
        if voxLevelDBFS >= configuration.voxOnDBFS {
            voxOpen = true
            voxBelow = 0
        } else if voxOpen && voxLevelDBFS < configuration.voxOffDBFS {
            voxBelow += 1
            if voxBelow > configuration.voxHangoverFrames { voxOpen = false }
        } else if voxOpen {
            voxBelow = 0
        }
    }

    private mutating func rememberIdle(_ samples: [Int16]) {
        let n = configuration.preRollFrames
        guard n > 0 else { return }
        preRoll.append(samples)
        if preRoll.count > n { preRoll.removeFirst(preRoll.count - n) }
    }

    private mutating func emit(first: Bool = false, last: Bool = false) -> Output? {
        guard queueHead < queue.count else { return nil }
        let samples = queue[queueHead]
        queueHead += 1
        if queueHead == queue.count || queueHead > 64 {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        var flags: AudioFrame.Flags = []
        if first { flags.insert(.start) }
        if last { flags.insert(.end) }
        let out = Output(samples: samples, seq: nextSeq, flags: flags)
        nextSeq &+= 1
        return out
    }

    private var queued: Int { queue.count - queueHead }

    /// Feeds one captured frame. `backlog` is how many more captured frames are already
    /// waiting behind this one. Returns the frame to send, if any.
    public mutating func process(_ samples: [Int16], backlog: Int = 0) -> Step {
        if configuration.mode == .vox { updateVox(samples) }
        let want = wanted()
        let latched = pressedSinceFrame
        pressedSinceFrame = false
        switch state {
        case .idle:
            guard want else {
                rememberIdle(samples)
                return Step()
            }
            if backlog > 0 {
                // Stale audio: start with the next fresh frame, without stale pre-roll.
                preRoll.removeAll()
                pressedSinceFrame = latched
                return Step(output: nil, dropBacklog: true)
            }
            queue = preRoll
            queueHead = 0
            preRoll.removeAll()
            queue.append(samples)
            state = .talking(tailLeft: configuration.tailFrames - 1)
            return Step(output: emit(first: true))
        case .talking(let tailLeft):
            queue.append(samples)
            if want {
                state = .talking(tailLeft: configuration.tailFrames - 1)
            } else if tailLeft > 0 {
                state = .talking(tailLeft: tailLeft - 1)
            } else {
                state = .draining
            }
            return finishStep()
        case .draining:
            if want {
                // Talking again before the delay line emptied: the same spurt goes on (the
                // frames captured while draining are skipped: at most the pre-roll's length).
                queue.append(samples)
                state = .talking(tailLeft: configuration.tailFrames - 1)
                return finishStep()
            }
            rememberIdle(samples)
            return finishStep()
        }
    }

    private mutating func finishStep() -> Step {
        let last = state == .draining && queued == 1
        let out = emit(last: last)
        if last { state = .idle }
        return Step(output: out)
    }
}
