/// The chat line editor: a line of at most 1000 characters (Unicode scalars, as PROTOCOL.md §3
/// counts them) with a cursor.
public struct LineEditor: Equatable, Sendable {
    /// The most characters a chat message may hold.
    public static let maxLength = 1000

    /// What a key did to the line.
    public enum Outcome: Equatable, Sendable {
        case editing
        /// Enter on a non-empty line: send this text.
        case submit(String)
        /// Esc, or Enter on an empty line.
        case cancel
    }

    public private(set) var scalars: [Unicode.Scalar] = []
    /// Insertion point, 0...scalars.count.
    public private(set) var cursor = 0

    public init(text: String = "") {
        for s in text.unicodeScalars where scalars.count < Self.maxLength { scalars.append(s) }
        cursor = scalars.count
    }

    public var text: String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars)
        return String(s)
    }

    public var isEmpty: Bool { scalars.isEmpty }

    /// Inserts a character at the cursor; returns false (and changes nothing) when it would not
    /// fit or is a control character.
    @discardableResult
    public mutating func insert(_ c: Character) -> Bool {
        let new = Array(c.unicodeScalars)
        guard scalars.count + new.count <= Self.maxLength else { return false }
        guard !new.contains(where: Self.isControl) else { return false }
        scalars.insert(contentsOf: new, at: cursor)
        cursor += new.count
        return true
    }

    public mutating func backspace() {
        guard cursor > 0 else { return }
        cursor -= 1
        scalars.remove(at: cursor)
    }

    public mutating func deleteForward() {
        guard cursor < scalars.count else { return }
        scalars.remove(at: cursor)
    }

    public mutating func moveLeft() { cursor = max(0, cursor - 1) }
    public mutating func moveRight() { cursor = min(scalars.count, cursor + 1) }
    public mutating func moveHome() { cursor = 0 }
    public mutating func moveEnd() { cursor = scalars.count }

    /// Applies one key press (or repeat); releases change nothing.
    public mutating func handle(_ event: KeyEvent) -> Outcome {
        guard event.kind != .release else { return .editing }
        let mods = event.modifiers.significant
        switch event.key {
        case .enter:
            return isEmpty ? .cancel : .submit(text)
        case .escape:
            return .cancel
        case .backspace: backspace()
        case .delete: deleteForward()
        case .left: moveLeft()
        case .right: moveRight()
        case .home: moveHome()
        case .end: moveEnd()
        case .character(let c):
            if mods.contains(.ctrl) {
                switch c {
                case "a": moveHome()
                case "e": moveEnd()
                case "u": scalars.removeFirst(cursor); cursor = 0
                default: break
                }
            } else if !mods.contains(.alt) {
                insert(c)
            }
        default:
            break
        }
        return .editing
    }

    /// Control characters (Unicode Cc, Cf, Zl, Zp) may not appear in chat text.
    static func isControl(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }
}
