/// What the microphone's cleaning does before the talk gate and the encoder: speexdsp's noise
/// suppression, automatic gain control and echo cancellation, each on or off.
public struct SpeechSettings: Equatable, Sendable {
    /// Noise suppression (fan, hum, hiss; steady noise learnt in the pauses).
    public var denoise: Bool
    /// Automatic gain control: a quiet or loud talker is steered toward `agcLevel`.
    public var agc: Bool
    /// Largest attenuation of noise, in dB (negative); speexdsp's own default is -15.
    public var noiseSuppressDB: Int
    /// The loudness the AGC steers speech toward, on speexdsp's scale (a weighted loudness in
    /// 16-bit sample units, 1 to 32768; speexdsp's default 8000 leaves a voice near -29 dBFS
    /// RMS, ptt's 20000 near -21 dBFS, well above the vox threshold and below clipping).
    public var agcLevel: Float
    /// Largest gain the AGC may apply, in dB.
    public var agcMaxGainDB: Int
    /// Acoustic echo cancellation: what the speakers play (the playback mix) is taken out of
    /// the microphone, and what is left of it suppressed with the noise.
    public var echoCancel: Bool
    /// The longest echo the canceller can take out, in ms, counted from 5–25 ms after the far
    /// end (where `EchoReference` keeps it, from the devices' delays): the room's echo must
    /// fit in the rest.
    public var echoTailMillis: Int

    public init(denoise: Bool = true, agc: Bool = true, echoCancel: Bool = true, noiseSuppressDB: Int = -30,
                agcLevel: Float = 20000, agcMaxGainDB: Int = 30, echoTailMillis: Int = 100) {
        self.denoise = denoise
        self.agc = agc
        self.echoCancel = echoCancel
        self.echoTailMillis = echoTailMillis
        self.noiseSuppressDB = noiseSuppressDB
        self.agcLevel = agcLevel
        self.agcMaxGainDB = agcMaxGainDB
    }

    /// Nothing done: the microphone is sent as it is, sample for sample.
    public static let off = SpeechSettings(denoise: false, agc: false, echoCancel: false)

    /// Whether any processing runs (with none, no speexdsp state is made at all).
    public var isActive: Bool { denoise || agc || echoCancel }

    /// In words, for a status line: "noise suppression, AGC and echo cancellation",
    /// "AGC only", "as captured".
    public var summary: String {
        let parts = [denoise ? "noise suppression" : nil, agc ? "AGC" : nil, echoCancel ? "echo cancellation" : nil].compactMap { $0 }
        switch parts.count {
        case 0: return "as captured"
        case 1: return parts[0] + " only"
        default: return parts.dropLast().joined(separator: ", ") + " and " + parts[parts.count - 1]
        }
    }
}
