/// When two participant names are the same name (PROTOCOL.md §3, "One name per person"):
/// compared after Unicode compatibility normalisation (NFKC), case-insensitively, with
/// invisible characters removed. "Alice", "ＡＬＩＣＥ" and "alice\u{3164}" have one skeleton.
extension Validation {
    /// Characters that show nothing: format characters (Cf), default-ignorable code points
    /// (variation selectors, U+034F, U+115F, U+1160, U+3164, U+FFA0, U+180E…) and U+2800
    /// BRAILLE PATTERN BLANK, which renders as a space but is a symbol.
    public static func isInvisible(_ s: Unicode.Scalar) -> Bool {
        if s.value == 0x2800 { return true }
        return s.properties.generalCategory == .format || s.properties.isDefaultIgnorableCodePoint
    }

    /// The key that decides whether two names are the same: `normalize` (NFKC, which the
    /// standard library does not offer: the relay passes Foundation's, a core the identity),
    /// invisible characters removed, lowercased, normalised again (lowercasing can undo NFKC).
    public static func nameSkeleton(_ name: String, normalize: (String) -> String = { $0 }) -> String {
        func visible(_ s: String) -> String {
            var out = String.UnicodeScalarView()
            out.append(contentsOf: s.unicodeScalars.filter { !isInvisible($0) })
            return String(out)
        }
        return visible(normalize(visible(normalize(name)).lowercased()))
    }

    /// A name like `name` that `isTaken` (given a skeleton) does not hold: the first free of
    /// name2, name3, … (without invisible characters, shortened to stay within 32 characters).
    /// `name` itself if it is free.
    public static func suggestName(for name: String, normalize: (String) -> String = { $0 },
                                   isTaken: (String) -> Bool) -> String {
        guard isTaken(nameSkeleton(name, normalize: normalize)) else { return name }
        for n in 2...1000 {
            let suffix = String(n)
            var base = String.UnicodeScalarView(name.unicodeScalars.filter { !isInvisible($0) }.prefix(maxNameLength - suffix.count))
            while let last = base.last, last.properties.isWhitespace { base.removeLast() }
            let candidate = String(base) + suffix
            if !isTaken(nameSkeleton(candidate, normalize: normalize)) { return candidate }
        }
        return name + "2"
    }
}
