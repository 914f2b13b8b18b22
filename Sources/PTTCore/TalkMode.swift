/// How the talk gate opens: held key, latched key, voice activity, or always. The screen,
/// the key bindings and the audio engine's gate share this one type.
public typealias TalkMode = TalkGate.Mode

extension TalkGate.Mode {
    /// The next mode in the order `t` cycles through.
    public var next: TalkGate.Mode {
        let all = TalkGate.Mode.allCases
        let i = all.firstIndex(of: self) ?? 0
        return all[(i + 1) % all.count]
    }
}
