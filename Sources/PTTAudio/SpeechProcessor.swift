import CSpeexDSP

/// speexdsp's preprocessor on 48 kHz mono 16-bit audio, run in place in 10 ms blocks (so any
/// Opus frame, 10 to 60 ms, is a whole number of blocks). It delays the audio by one block
/// (10 ms: speexdsp's overlap-add). No allocation per frame.
///
/// Not thread-safe: owned by the one thread that processes (the transmit thread).
public final class SpeechProcessor {
    /// 10 ms at 48 kHz: the block speexdsp works on.
    public static let blockSamples = 480
    /// The sample rate (the codec's).
    public static let sampleRate = 48_000

    public let settings: SpeechSettings
    private let handle: OpaquePointer

    /// Creates and configures the preprocessor; a setting speexdsp refuses is a `SpeexError`.
    public init(_ settings: SpeechSettings = SpeechSettings()) throws(SpeexError) {
        self.settings = settings
        guard let state = speex_preprocess_state_init(Int32(Self.blockSamples), Int32(Self.sampleRate)) else {
            throw SpeexError(code: -1, call: "speex_preprocess_state_init")
        }
        handle = state
        do {
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
            throw error
        }
    }

    deinit { speex_preprocess_state_destroy(handle) }

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
        return SpeechSettings(denoise: denoise != 0, agc: agc != 0, noiseSuppressDB: Int(suppress), agcLevel: level, agcMaxGainDB: Int(maxGain))
    }

    /// Processes `frame` in place; its length must be a whole number of 10 ms blocks.
    public func process(_ frame: inout [Int16]) throws(SpeexError) {
        let count = frame.count
        guard count % Self.blockSamples == 0 else {
            throw SpeexError(code: -1, call: "process: \(count) samples is not a whole number of \(Self.blockSamples)-sample blocks")
        }
        let ok = frame.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return count == 0 }
            for offset in stride(from: 0, to: count, by: Self.blockSamples) {
                // The result is the VAD's verdict (off here), never an error.
                _ = speex_preprocess_run(handle, base + offset)
            }
            return true
        }
        guard ok else { throw SpeexError(code: -1, call: "process: no buffer") }
    }

    /// Whether frames of `samples` samples can be processed (whole 10 ms blocks).
    public static func accepts(frameSamples samples: Int) -> Bool { samples > 0 && samples % blockSamples == 0 }
}
