/// Turns the bytes a terminal sends into key events and query replies.
///
/// Understands plain bytes and UTF-8, control keys (Enter, Tab, Backspace, Ctrl+letter), xterm
/// CSI and SS3 sequences (arrows, Home/End, Delete, F-keys, with modifiers), the kitty keyboard
/// protocol's `CSI code[:shifted[:base]] ; mods[:event] ; text u` sequences (press, repeat, release),
/// the kitty support reply `ESC[?<flags>u` and the DA1 reply `ESC[?...c`. Sequences may be split
/// across reads at any byte.
///
/// A lone Esc byte is ambiguous (it also starts every sequence): the decoder holds it and reports
/// a ``deadline``; if no byte arrives by then, ``expire(now:)`` turns it into the Escape key.
/// Bytes that do arrive always continue the pending sequence, however late they are.
/// Time is monotonic nanoseconds, supplied by the caller.
public struct KeyDecoder: Sendable {
    /// How long a lone Esc waits for the rest of a sequence.
    public var escapeTimeout: UInt64
    /// Longest CSI sequence kept; longer ones are skipped up to their final byte.
    public static let maxSequenceLength = 64

    private enum State: Sendable {
        case ground
        case escape
        case csi
        case csiSkip
        case ss3
        case utf8(need: Int, scalar: UInt32, min: UInt32)
    }

    private var state: State = .ground
    private var sequence: [UInt8] = []
    /// An Esc followed by a plain key: that key with Alt.
    private var altPending = false
    /// When the pending Esc (or unfinished sequence) gives up waiting.
    public private(set) var deadline: UInt64?

    public init(escapeTimeout: UInt64 = 50_000_000) {
        self.escapeTimeout = escapeTimeout
    }

    /// True while bytes of an unfinished sequence or character are held.
    public var isPending: Bool {
        if case .ground = state { return false }
        return true
    }

    /// Decodes bytes read at `now`.
    public mutating func feed<S: Sequence>(_ bytes: S, now: UInt64) -> [TerminalInput] where S.Element == UInt8 {
        var out: [TerminalInput] = []
        for b in bytes { step(b, now: now, into: &out) }
        return out
    }

    /// Resolves a pending lone Esc (or gives up on an unfinished sequence) once its deadline has passed.
    public mutating func expire(now: UInt64) -> [TerminalInput] {
        guard let deadline, now >= deadline else { return [] }
        var out: [TerminalInput] = []
        switch state {
        case .escape:
            out.append(.key(KeyEvent(.escape, modifiers: altPending ? .alt : [])))
        case .ss3:
            out.append(.key(KeyEvent(.character("O"), modifiers: .alt)))
        case .csi, .csiSkip, .utf8, .ground:
            break // an unfinished sequence or character: dropped
        }
        reset()
        return out
    }

    private mutating func reset() {
        state = .ground
        sequence.removeAll(keepingCapacity: true)
        altPending = false
        deadline = nil
    }

    private mutating func emit(_ event: KeyEvent, into out: inout [TerminalInput]) {
        var event = event
        if altPending { event.modifiers.insert(.alt) }
        altPending = false
        deadline = nil
        out.append(.key(event))
    }

    private mutating func step(_ b: UInt8, now: UInt64, into out: inout [TerminalInput]) {
        switch state {
        case .ground:
            ground(b, now: now, into: &out)

        case .escape:
            switch b {
            case UInt8(ascii: "["):
                state = .csi
                sequence.removeAll(keepingCapacity: true)
            case UInt8(ascii: "O"):
                state = .ss3
            case 0x1B:
                // Esc Esc: the first one is a key (with Alt if it was itself after an Esc).
                emit(KeyEvent(.escape), into: &out)
                state = .escape
                deadline = now &+ escapeTimeout
            default:
                state = .ground
                altPending = true
                ground(b, now: now, into: &out)
            }

        case .ss3:
            state = .ground
            deadline = nil
            if let key = Self.finalKey(b) {
                emit(KeyEvent(key), into: &out)
            } else if b == UInt8(ascii: "M") {
                emit(KeyEvent(.enter), into: &out)
            } else {
                altPending = false
            }

        case .csi:
            if (0x40...0x7E).contains(b) {
                let params = sequence
                reset()
                if let item = Self.dispatchCSI(params: params, final: b) { out.append(item) }
            } else if b == 0x1B {
                reset()
                state = .escape
                deadline = now &+ escapeTimeout
            } else if b < 0x20 {
                break // C0 controls inside a sequence are ignored
            } else if sequence.count >= Self.maxSequenceLength {
                state = .csiSkip
            } else {
                sequence.append(b)
            }

        case .csiSkip:
            if (0x40...0x7E).contains(b) { reset() }

        case .utf8(let need, let scalar, let min):
            guard (0x80...0xBF).contains(b) else {
                // Truncated character: drop it and read this byte afresh.
                state = .ground
                ground(b, now: now, into: &out)
                return
            }
            let value = (scalar << 6) | UInt32(b & 0x3F)
            if need > 1 {
                state = .utf8(need: need - 1, scalar: value, min: min)
                return
            }
            state = .ground
            deadline = nil
            if value >= min, let s = Unicode.Scalar(value) {
                emit(KeyEvent(.character(Character(s))), into: &out)
            } else {
                altPending = false
            }
        }
    }

    private mutating func ground(_ b: UInt8, now: UInt64, into out: inout [TerminalInput]) {
        switch b {
        case 0x1B:
            state = .escape
            deadline = now &+ escapeTimeout
        case 0x0D, 0x0A:
            emit(KeyEvent(.enter), into: &out)
        case 0x09:
            emit(KeyEvent(.tab), into: &out)
        case 0x7F, 0x08:
            emit(KeyEvent(.backspace), into: &out)
        case 0x00:
            emit(KeyEvent(.character(" "), modifiers: .ctrl), into: &out)
        case 0x01...0x1A:
            emit(KeyEvent(.character(Character(Unicode.Scalar(b + 0x60))), modifiers: .ctrl), into: &out)
        case 0x1C...0x1F:
            emit(KeyEvent(.character(Character(Unicode.Scalar(b + 0x40))), modifiers: .ctrl), into: &out)
        case 0x20...0x7E:
            emit(KeyEvent(.character(Character(Unicode.Scalar(b)))), into: &out)
        case 0xC2...0xDF:
            state = .utf8(need: 1, scalar: UInt32(b & 0x1F), min: 0x80)
            deadline = now &+ escapeTimeout
        case 0xE0...0xEF:
            state = .utf8(need: 2, scalar: UInt32(b & 0x0F), min: 0x800)
            deadline = now &+ escapeTimeout
        case 0xF0...0xF4:
            state = .utf8(need: 3, scalar: UInt32(b & 0x07), min: 0x10000)
            deadline = now &+ escapeTimeout
        default:
            altPending = false // a stray continuation or invalid byte
        }
    }

    // MARK: CSI

    /// Keys named by a CSI or SS3 final byte (`ESC[A`, `ESC[1;5A`, `ESC O P`).
    private static func finalKey(_ b: UInt8) -> KeyEvent.Key? {
        switch b {
        case UInt8(ascii: "A"): return .up
        case UInt8(ascii: "B"): return .down
        case UInt8(ascii: "C"): return .right
        case UInt8(ascii: "D"): return .left
        case UInt8(ascii: "H"): return .home
        case UInt8(ascii: "F"): return .end
        case UInt8(ascii: "P"): return .function(1)
        case UInt8(ascii: "Q"): return .function(2)
        case UInt8(ascii: "R"): return .function(3)
        case UInt8(ascii: "S"): return .function(4)
        default: return nil
        }
    }

    /// Keys named by the number of a `CSI n ~` sequence.
    private static func tildeKey(_ n: Int) -> KeyEvent.Key? {
        switch n {
        case 1, 7: return .home
        case 2: return .insert
        case 3: return .delete
        case 4, 8: return .end
        case 5: return .pageUp
        case 6: return .pageDown
        case 11...15: return .function(n - 10)
        case 17...21: return .function(n - 11)
        case 23, 24: return .function(n - 12)
        default: return nil
        }
    }

    /// Splits `a:b;c:d;e` into fields of sub-fields; empty sub-fields are nil.
    private static func fields(_ bytes: ArraySlice<UInt8>) -> [[Int?]]? {
        var result: [[Int?]] = [[]]
        var current: Int? = nil
        for b in bytes {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = Int(b - UInt8(ascii: "0"))
                let (m, o1) = (current ?? 0).multipliedReportingOverflow(by: 10)
                let (v, o2) = m.addingReportingOverflow(digit)
                if o1 || o2 || v > 0x10FFFF { return nil }
                current = v
            case UInt8(ascii: ":"):
                result[result.count - 1].append(current)
                current = nil
            case UInt8(ascii: ";"):
                result[result.count - 1].append(current)
                result.append([])
                current = nil
            default:
                return nil
            }
        }
        result[result.count - 1].append(current)
        return result
    }

    private static func dispatchCSI(params: [UInt8], final: UInt8) -> TerminalInput? {
        var body = params[...]
        var marker: UInt8? = nil
        if let first = body.first, (0x3C...0x3F).contains(first) {
            marker = first
            body = body.dropFirst()
        }
        guard let f = fields(body) else { return nil }
        func field(_ i: Int, _ j: Int = 0) -> Int? {
            i < f.count && j < f[i].count ? f[i][j] : nil
        }

        if marker == UInt8(ascii: "?") {
            switch final {
            case UInt8(ascii: "u"): return .kittyFlags(field(0) ?? 0)
            case UInt8(ascii: "c"): return .deviceAttributes
            default: return nil
            }
        }
        guard marker == nil else { return nil }

        // Modifiers and event type are the second field in every key sequence.
        let modValue = field(1) ?? 1
        guard modValue >= 1, modValue <= 256 else { return nil }
        let modifiers = KeyEvent.Modifiers(rawValue: UInt8(modValue - 1))
        let kind: KeyEvent.Kind
        switch field(1, 1) ?? 1 {
        case 1: kind = .press
        case 2: kind = .repeat
        case 3: kind = .release
        default: return nil
        }
        // Only kitty reports event types; a plain `ESC[1;5A` is a legacy press.
        let explicitKind = (f.count > 1 && f[1].count > 1)

        switch final {
        case UInt8(ascii: "u"):
            guard let code = field(0) else { return nil }
            let text = f.count > 2 ? f[2].compactMap { $0 }.compactMap(Unicode.Scalar.init) : []
            guard let key = kittyKey(code: code, shifted: field(0, 1), text: text, modifiers: modifiers) else {
                return nil
            }
            return .key(KeyEvent(key, modifiers: modifiers, kind: kind, isKitty: true))
        case UInt8(ascii: "~"):
            guard let n = field(0), let key = tildeKey(n) else { return nil }
            return .key(KeyEvent(key, modifiers: modifiers, kind: kind, isKitty: explicitKind))
        case UInt8(ascii: "Z"):
            // Back-tab (`ESC[Z`): Shift+Tab.
            return .key(KeyEvent(.tab, modifiers: modifiers.union(.shift), kind: kind, isKitty: explicitKind))
        default:
            guard let key = finalKey(final) else { return nil }
            return .key(KeyEvent(key, modifiers: modifiers, kind: kind, isKitty: explicitKind))
        }
    }

    /// The key a kitty `CSI code u` names, or nil for keys ptt ignores (lone modifiers, media keys).
    private static func kittyKey(
        code: Int, shifted: Int?, text: [Unicode.Scalar], modifiers: KeyEvent.Modifiers
    ) -> KeyEvent.Key? {
        switch code {
        case 13, 57414: return .enter // Enter, keypad Enter
        case 27: return .escape
        case 9: return .tab
        case 8, 127: return .backspace
        case 57399...57408: // keypad digits
            return .character(Character(Unicode.Scalar(UInt8(code - 57399) + UInt8(ascii: "0"))))
        case 57344...63743:
            return nil // the private-use block: modifier keys, media keys, keypad functions
        default:
            break
        }
        let mods = modifiers.significant
        // Text the terminal reports (flag 16) is what the key types.
        if let first = text.first, !mods.contains(.ctrl), !mods.contains(.alt) {
            return .character(Character(first))
        }
        let effective: Int
        if mods.contains(.shift), !mods.contains(.ctrl), let shifted {
            effective = shifted
        } else if mods.contains(.shift), !mods.contains(.ctrl), let s = usShifted(code) {
            effective = s
        } else {
            effective = code
        }
        guard let scalar = Unicode.Scalar(UInt32(effective)), scalar.value >= 0x20 else { return nil }
        return .character(Character(scalar))
    }

    /// Shift on a US layout, for terminals that report neither the shifted key nor the text.
    private static func usShifted(_ code: Int) -> Int? {
        switch code {
        case 97...122: return code - 32
        default:
            let pairs: [Character: Character] = [
                "1": "!", "2": "@", "3": "#", "4": "$", "5": "%", "6": "^", "7": "&", "8": "*", "9": "(",
                "0": ")", "-": "_", "=": "+", "[": "{", "]": "}", "\\": "|", ";": ":", "'": "\"",
                ",": "<", ".": ">", "/": "?", "`": "~",
            ]
            guard code < 128, let s = Unicode.Scalar(UInt32(code)),
                  let v = pairs[Character(s)]?.unicodeScalars.first?.value
            else { return nil }
            return Int(v)
        }
    }
}
