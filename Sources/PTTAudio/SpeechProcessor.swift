import CSpeexDSP

/// speexdsp's preprocessor on 48 kHz mono 16-bit audio, run in place in 10 ms blocks (so any
/// Opus frame, 10 to 60 ms, is a whole number of blocks). It delays the audio by one block
/// (10 ms: speexdsp's overlap-add). No allocation per frame.
///
/// With `echoCancel`, speexdsp's echo canceller runs first on each block, given what the
/// speakers played (the far end, block for block in capture order), and the preprocessor
/// suppresses the echo it leaves. The echo may reach the microphone up to `echoTailMillis`
/// after the far-end samples it goes with, never before (`EchoReference` keeps it so). While
/// the far end has been quiet (below -50 dBFS) for longer than the tail, the canceller rests:
/// the cleaning then costs what it does without echo cancellation.
///
/// Not thread-safe: owned by the one thread that processes (the transmit thread).
public final class SpeechProcessor {
    /// 10 ms at 48 kHz: the block speexdsp works on.
    public static let blockSamples = 480
    /// The sample rate (the codec's).
    public static let sampleRate = 48_000

    public let settings: SpeechSettings
    private let handle: OpaquePointer
    /// The echo canceller (nil with `echoCancel` off).
    private let echo: OpaquePointer?
    /// The canceller's output for one block (it does not work in place).
    private var cancelled: [Int16]
    /// Blocks left during which the AGC may not raise its gain (the speakers played lately).
    private var farEndHold = 0
    private var agcCapped = false
    /// Blocks in a row with the far end quiet; past the tail, the canceller rests.
    private var quietBlocks = 0
    private let tailBlocks: Int
    private var echoResting = false
    /// Whether the canceller rests while nothing plays (on in ptt; tests and benches keep it
    /// running to measure it).
    public var restsWhenQuiet = true
    /// Blocks the canceller ran on (for tests).
    private(set) var cancelledBlocks = 0

    /// Creates and configures the preprocessor; a setting speexdsp refuses is a `SpeexError`.
    public init(_ settings: SpeechSettings = SpeechSettings()) throws(SpeexError) {
        self.settings = settings
        guard let state = speex_preprocess_state_init(Int32(Self.blockSamples), Int32(Self.sampleRate)) else {
            throw SpeexError(code: -1, call: "speex_preprocess_state_init")
        }
        handle = state
        var echoState: OpaquePointer?
        do throws(SpeexError) {
            if settings.echoCancel {
                let tail = Self.sampleRate / 1000 * settings.echoTailMillis
                guard tail >= Self.blockSamples, let e = speex_echo_state_init(Int32(Self.blockSamples), Int32(tail)) else {
                    throw SpeexError(code: -1, call: "speex_echo_state_init (\(settings.echoTailMillis) ms tail)")
                }
                echoState = e
                try SpeexError.check(cspx_echo_set_sampling_rate(e, Int32(Self.sampleRate)), "set echo canceller sample rate")
                try SpeexError.check(cspx_pre_set_echo_state(state, e), "tie the preprocessor to the echo canceller")
            }
            try SpeexError.check(cspx_pre_set_denoise(state, settings.denoise ? 1 : 0), "set denoise")
            if settings.denoise {
                try SpeexError.check(cspx_pre_set_noise_suppress(state, Int32(settings.noiseSuppressDB)), "set noise suppression \(settings.noiseSuppressDB) dB")
            }
            try SpeexError.check(cspx_pre_set_agc(state, settings.agc ? 1 : 0), "set AGC")
            if settings.agc {
                try SpeexError.check(cspx_pre_set_agc_level(state, settings.agcLevel), "set AGC level \(settings.agcLevel)")
                try SpeexError.check(cspx_pre_set_agc_max_gain(state, Int32(settings.agcMaxGainDB)), "set AGC max gain \(settings.agcMaxGainDB) dB")
            }
            // speexdsp's own voice detector stays off, as a new state has it (setting it prints
            // a warning on stderr): the talk gate decides what is speech.
            try SpeexError.check(cspx_pre_set_dereverb(state, 0), "set dereverb off")
        } catch {
            speex_preprocess_state_destroy(state)
            if let echoState { speex_echo_state_destroy(echoState) }
            throw error
        }
        echo = echoState
        tailBlocks = (settings.echoTailMillis + 9) / 10
        cancelled = [Int16](repeating: 0, count: settings.echoCancel ? Self.blockSamples : 0)
    }

    deinit {
        speex_preprocess_state_destroy(handle)
        if let echo { speex_echo_state_destroy(echo) }
    }

    /// Whether the echo canceller runs (`process(_:farEnd:)` uses the far end).
    public var cancelsEcho: Bool { echo != nil }

    /// speexdsp's own estimate that the last 10 ms block processed held speech, in percent;
    /// measured against the level-based vox in `make bench-audio`.
    public var speechProbability: Int {
        var v: Int32 = 0
        return cspx_pre_get_prob(handle, &v) == 0 ? Int(v) : 0
    }

    /// The AGC's present gain in dB (0 with the AGC off).
    public var agcGainDB: Int {
        guard settings.agc else { return 0 }
        var v: Int32 = 0
        return cspx_pre_get_agc_gain(handle, &v) == 0 ? Int(v) : 0
    }

    /// The settings as speexdsp holds them, read back through the shim (each request's
    /// argument type checked by a round trip); nil when speexdsp refuses a request.
    var configured: SpeechSettings? {
        var denoise: Int32 = 0, suppress: Int32 = 0, agc: Int32 = 0, maxGain: Int32 = 0
        var level: Float = 0
        guard cspx_pre_get_denoise(handle, &denoise) == 0, cspx_pre_get_noise_suppress(handle, &suppress) == 0,
              cspx_pre_get_agc(handle, &agc) == 0, cspx_pre_get_agc_level(handle, &level) == 0,
              cspx_pre_get_agc_max_gain(handle, &maxGain) == 0 else { return nil }
        var echoCancel = false, tailMillis = settings.echoTailMillis
        if let echo {
            var rate: Int32 = 0, block: Int32 = 0, tail: Int32 = 0
            guard cspx_echo_get_sampling_rate(echo, &rate) == 0, cspx_echo_get_frame_size(echo, &block) == 0,
                  cspx_echo_get_impulse_response_size(echo, &tail) == 0,
                  rate == Self.sampleRate, block == Self.blockSamples else { return nil }
            echoCancel = true
            tailMillis = Int(tail) * 1000 / Self.sampleRate
        }
        return SpeechSettings(denoise: denoise != 0, agc: agc != 0, echoCancel: echoCancel, noiseSuppressDB: Int(suppress),
                              agcLevel: level, agcMaxGainDB: Int(maxGain), echoTailMillis: tailMillis)
    }

    /// Processes `frame` in place; its length must be a whole number of 10 ms blocks. With the
    /// echo canceller on, the far end is taken as silent (nothing played).
    public func process(_ frame: inout [Int16]) throws(SpeexError) {
        try run(&frame, farEnd: nil)
    }

    /// Processes `frame` in place with `farEnd`, what the speakers played over the same span
    /// (as many samples; ignored with the echo canceller off).
    public func process(_ frame: inout [Int16], farEnd: [Int16]) throws(SpeexError) {
        guard farEnd.count == frame.count else {
            throw SpeexError(code: -1, call: "process: \(farEnd.count) far-end samples for \(frame.count) captured")
        }
        try run(&frame, farEnd: farEnd)
    }

    private func run(_ frame: inout [Int16], farEnd: [Int16]?) throws(SpeexError) {
        let count = frame.count
        guard count % Self.blockSamples == 0 else {
            throw SpeexError(code: -1, call: "process: \(count) samples is not a whole number of \(Self.blockSamples)-sample blocks")
        }
        let n = Self.blockSamples
        let ok = frame.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return count == 0 }
            guard let echo else {
                for offset in stride(from: 0, to: count, by: n) {
                    // The result is the VAD's verdict (off here), never an error.
                    _ = speex_preprocess_run(handle, base + offset)
                }
                return true
            }
            return cancelled.withUnsafeMutableBufferPointer { out -> Bool in
                guard let o = out.baseAddress else { return false }
                for offset in stride(from: 0, to: count, by: n) {
                    let played = withFarEnd(farEnd, offset: offset) { far -> Bool? in
                        guard let far else { return nil }
                        var energy = 0
                        for i in 0..<n { energy += Int(far[i]) * Int(far[i]) }
                        let playing = energy > Self.playingEnergy
                        quietBlocks = playing ? 0 : quietBlocks + 1
                        // Once the speakers have been quiet for longer than the tail, the filter's
                        // history is silence and its output would be the microphone: it rests
                        // (and the preprocessor stops asking it for residual echo) until they play.
                        let resting = restsWhenQuiet && quietBlocks > tailBlocks
                        if resting != echoResting {
                            echoResting = resting
                            _ = cspx_pre_set_echo_state(handle, resting ? nil : echo)
                        }
                        if !resting {
                            speex_echo_cancellation(echo, base + offset, far, o)
                            (base + offset).update(from: o, count: n)
                            cancelledBlocks += 1
                        }
                        return playing
                    }
                    guard let played else { return false }
                    steerAGC(farEndPlaying: played)
                    _ = speex_preprocess_run(handle, base + offset)
                }
                return true
            }
        }
        guard ok else { throw SpeexError(code: -1, call: "process: no buffer") }
    }

    /// A far-end block louder than -50 dBFS RMS is the speakers playing (sum of squares).
    private static let playingEnergy = 480 * 104 * 104

    /// While the speakers play, and for the echo tail after, the AGC may lower its gain but not
    /// raise it: before the canceller has converged it would take the echo for a quiet talker
    /// and raise it (and then what the canceller leaves). Its own limit is back afterwards.
    private func steerAGC(farEndPlaying: Bool) {
        guard settings.agc else { return }
        if farEndPlaying {
            farEndHold = max(settings.echoTailMillis / 10, 1)
        } else if farEndHold > 0 {
            farEndHold -= 1
        }
        let cap = farEndHold > 0
        guard cap != agcCapped else { return }
        agcCapped = cap
        var gain: Int32 = 0
        if cap { _ = cspx_pre_get_agc_gain(handle, &gain) }
        // Cannot fail: speexdsp accepted the AGC's requests in init.
        _ = cspx_pre_set_agc_max_gain(handle, cap ? max(gain, 0) : Int32(settings.agcMaxGainDB))
    }

    /// Calls `body` with the block of `farEnd` at `offset`, or with a silent block.
    private func withFarEnd<R>(_ farEnd: [Int16]?, offset: Int, _ body: (UnsafePointer<Int16>?) -> R) -> R {
        guard let farEnd else { return Self.silence.withUnsafeBufferPointer { body($0.baseAddress) } }
        return farEnd.withUnsafeBufferPointer { body($0.baseAddress.map { $0 + offset }) }
    }

    /// A block of nothing played (read only).
    private static let silence = [Int16](repeating: 0, count: blockSamples)

    /// Whether frames of `samples` samples can be processed (whole 10 ms blocks).
    public static func accepts(frameSamples samples: Int) -> Bool { samples > 0 && samples % blockSamples == 0 }
}
