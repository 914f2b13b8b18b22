/// How the talk gate opens: held key, latched key, voice activity, or always. The screen,
/// the key bindings, the script commands and the audio engine's gate share this one type.
public enum TalkMode: String, CaseIterable, Sendable {
    /// Transmit while the talk key is held.
    case hold
    /// Each press starts or stops transmitting.
    case toggle
    /// Transmit while the microphone hears voice.
    case vox
    /// Always transmit.
    case open

    /// The next mode in the order `t` cycles through.
    public var next: TalkMode {
        let all = TalkMode.allCases
        let i = all.firstIndex(of: self) ?? 0
        return all[(i + 1) % all.count]
    }
}
