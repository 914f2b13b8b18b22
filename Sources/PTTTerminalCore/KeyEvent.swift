/// One key event decoded from terminal input: which key, with which modifiers, pressed, repeated or released.
///
/// Legacy terminals only ever send presses (autorepeat looks like more presses). Under the kitty
/// keyboard protocol the terminal also reports repeats and releases, and `isKitty` is true.
public struct KeyEvent: Equatable, Hashable, Sendable {
    /// A key, independent of modifiers.
    public enum Key: Equatable, Hashable, Sendable {
        /// A text key: the character it types (space is `" "`). With Ctrl it is the base letter, lower case.
        case character(Character)
        case enter, escape, backspace, tab, delete, insert
        case up, down, left, right, home, end, pageUp, pageDown
        /// F1...F12.
        case function(Int)
    }

    /// What happened to the key.
    public enum Kind: Equatable, Hashable, Sendable {
        case press, `repeat`, release
    }

    /// Modifier keys, with the kitty protocol's bit values (the wire value minus one).
    public struct Modifiers: OptionSet, Equatable, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let shift = Modifiers(rawValue: 1)
        public static let alt = Modifiers(rawValue: 2)
        public static let ctrl = Modifiers(rawValue: 4)
        public static let `super` = Modifiers(rawValue: 8)
        public static let hyper = Modifiers(rawValue: 16)
        public static let meta = Modifiers(rawValue: 32)
        /// Lock states: reported by kitty, ignored when matching keys.
        public static let capsLock = Modifiers(rawValue: 64)
        public static let numLock = Modifiers(rawValue: 128)
        /// The modifiers that change what a key means (not the lock states).
        public var significant: Modifiers { subtracting([.capsLock, .numLock]) }
    }

    public var key: Key
    public var modifiers: Modifiers
    public var kind: Kind
    /// True when this came from a kitty keyboard protocol sequence (so releases will be reported).
    public var isKitty: Bool

    public init(_ key: Key, modifiers: Modifiers = [], kind: Kind = .press, isKitty: Bool = false) {
        self.key = key
        self.modifiers = modifiers
        self.kind = kind
        self.isKitty = isKitty
    }

    /// Space, the talk key.
    public var isSpace: Bool { key == .character(" ") && modifiers.significant.subtracting(.shift).isEmpty }
    /// Ctrl+C, in either encoding (the byte 0x03, or kitty's `ESC[99;5u`).
    public var isCtrlC: Bool { key == .character("c") && modifiers.significant.contains(.ctrl) }
}

/// One item decoded from terminal input.
public enum TerminalInput: Equatable, Sendable {
    case key(KeyEvent)
    /// The kitty keyboard protocol query reply `ESC[?<flags>u`: the terminal supports the protocol.
    case kittyFlags(Int)
    /// A primary device attributes (DA1) reply `ESC[?...c`: every terminal answers this one.
    case deviceAttributes
}
