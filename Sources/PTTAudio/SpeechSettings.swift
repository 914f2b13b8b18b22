/// What the microphone's cleaning does before the talk gate and the encoder: speexdsp's noise
/// suppression and automatic gain control, each on or off.
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

    public init(denoise: Bool = true, agc: Bool = true, noiseSuppressDB: Int = -30, agcLevel: Float = 20000, agcMaxGainDB: Int = 30) {
        self.denoise = denoise
        self.agc = agc
        self.noiseSuppressDB = noiseSuppressDB
        self.agcLevel = agcLevel
        self.agcMaxGainDB = agcMaxGainDB
    }

    /// Nothing done: the microphone is sent as it is, sample for sample.
    public static let off = SpeechSettings(denoise: false, agc: false)

    /// Whether any processing runs (with none, no speexdsp state is made at all).
    public var isActive: Bool { denoise || agc }

    /// In words, for a status line: "noise suppression and AGC", "AGC only", "as captured".
    public var summary: String {
        switch (denoise, agc) {
        case (true, true): return "noise suppression and AGC"
        case (true, false): return "noise suppression only"
        case (false, true): return "AGC only"
        case (false, false): return "as captured"
        }
    }
}
