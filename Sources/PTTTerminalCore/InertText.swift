/// Text as it may reach a terminal: names and chat come from others, and a control character
/// in them could move the cursor, rewrite the screen (C0 and C1 controls: U+009B alone is a
/// CSI to many terminals) or reverse what follows it (the bidirectional controls). Each of
/// those is shown as U+FFFD instead, visibly.
public enum InertText {
    public static let placeholder: Unicode.Scalar = "\u{FFFD}"

    /// Whether a scalar would act on the terminal rather than be shown: C0 controls, DEL, C1
    /// controls, U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069.
    public static func isControl(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0..<0x20, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    /// `text` with every control replaced by the placeholder (itself when it has none).
    public static func of(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var scalars = String.UnicodeScalarView()
        for s in text.unicodeScalars { scalars.append(isControl(s) ? placeholder : s) }
        return String(scalars)
    }
}
