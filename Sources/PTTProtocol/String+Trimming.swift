/// Small text helpers the settings, script commands and device lists share.
extension String {
    /// The string without leading and trailing Unicode whitespace.
    package var trimmingSpaces: String {
        let s = unicodeScalars.drop(while: { $0.properties.isWhitespace })
        let t = s.reversed().drop(while: { $0.properties.isWhitespace })
        return String(String.UnicodeScalarView(t.reversed()))
    }

    /// `max_talk_seconds` → `max-talk-seconds`: config keys accept either spelling.
    package var replacingUnderscores: String { String(map { $0 == "_" ? "-" : $0 }) }
}
