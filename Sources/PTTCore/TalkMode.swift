/// How the talk gate opens: held key, latched key, voice activity, or always.
public enum TalkMode: String, CaseIterable, Equatable, Hashable, Sendable {
    case hold, toggle, vox, open

    /// The next mode in the order `t` cycles through.
    public var next: TalkMode {
        let all = TalkMode.allCases
        let i = all.firstIndex(of: self) ?? 0
        return all[(i + 1) % all.count]
    }
}
