/// Text attributes, independent of any terminal library.
public struct TextStyle: OptionSet, Equatable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = TextStyle(rawValue: 1)
    public static let reverse = TextStyle(rawValue: 2)
    public static let dim = TextStyle(rawValue: 4)
    public static let underline = TextStyle(rawValue: 8)
}

/// What a run of text means, for terminals with colour. Without colour only ``TextStyle`` shows,
/// so every meaning is also carried by text or style.
public enum ColorRole: UInt8, CaseIterable, Equatable, Hashable, Sendable {
    case normal = 0, accent, talking, warning, error
}

/// A piece of a row with one style.
public struct TextRun: Equatable, Sendable {
    public var text: String
    public var style: TextStyle
    public var color: ColorRole

    public init(_ text: String, style: TextStyle = [], color: ColorRole = .normal) {
        self.text = text
        self.style = style
        self.color = color
    }
}

/// One row of the screen: runs whose total display width never exceeds the screen's width.
public struct ScreenRow: Equatable, Sendable {
    public var runs: [TextRun]
    public init(_ runs: [TextRun] = []) { self.runs = runs }
    /// The row's text without styles.
    public var text: String { runs.map(\.text).joined() }
}

/// A whole screen: exactly `height` rows, and where the cursor goes (nil: hidden).
public struct RenderedScreen: Equatable, Sendable {
    public struct Position: Equatable, Sendable {
        public var row: Int
        public var column: Int
        public init(row: Int, column: Int) {
            self.row = row
            self.column = column
        }
    }

    public var width: Int
    public var height: Int
    public var rows: [ScreenRow]
    public var cursor: Position?

    /// Every row as plain text, for tests and logs.
    public var lines: [String] { rows.map(\.text) }
}

/// Terminal column widths of characters: 2 for East Asian wide characters and emoji, 0 for
/// combining marks, 1 otherwise (a small `wcwidth`, enough for names and chat).
public enum DisplayWidth {
    public static func of(_ c: Character) -> Int {
        guard let first = c.unicodeScalars.first else { return 0 }
        let v = first.value
        switch first.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if v < 0x1100 { return 1 }
        if (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
            || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v) || (0x1F900...0x1F9FF).contains(v)
            || (0x20000...0x3FFFD).contains(v)
        {
            return 2
        }
        return 1
    }

    public static func of(_ s: String) -> Int { s.reduce(0) { $0 + of($1) } }

    /// The longest prefix of `s` that fits in `width` columns.
    public static func prefix(_ s: String, fitting width: Int) -> String {
        var used = 0
        var out = ""
        for c in s {
            let w = of(c)
            if used + w > width { break }
            used += w
            out.append(c)
        }
        return out
    }
}
