/// The text rules of PROTOCOL.md §1 and §3, shared by client and relay.
public enum Validation {
    public static let maxRoomLength = 64
    public static let maxNameLength = 32
    public static let maxAgentLength = 64
    public static let maxChatLength = 1000
    public static let maxID: UInt64 = 4_294_967_295
    public static let maxTimestamp: Int64 = 9_007_199_254_740_991 // 2^53 - 1

    /// Whether `room` (already percent-decoded) is a valid room name:
    /// 1 to 64 characters of `A-Z a-z 0-9 . _ ~ -`, and not `.` or `..`.
    public static func isValidRoom(_ room: String) -> Bool {
        let utf8 = room.utf8
        guard (1...maxRoomLength).contains(utf8.count), room != ".", room != ".." else { return false }
        return utf8.allSatisfy(isRoomByte)
    }

    static func isRoomByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    /// Percent-decodes one URL path segment and validates it as a room name.
    /// Returns nil for a malformed escape or an invalid name.
    public static func room(fromPathSegment segment: some StringProtocol) -> String? {
        var out: [UInt8] = []
        let bytes = Array(segment.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%") {
                guard i + 2 < bytes.count, let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2]) else { return nil }
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        guard let room = String(validating: out, as: UTF8.self), isValidRoom(room) else { return nil }
        return room
    }

    /// Extracts the room from a request path such as `/standup` or `/ptt/standup`
    /// when the relay serves under `basePath` (`""` or `/ptt`). The query string is ignored.
    public static func room(fromRequestPath path: String, basePath: String = "") -> String? {
        var p = Substring(path)
        if let q = p.firstIndex(of: "?") { p = p[..<q] }
        var base = Substring(basePath)
        while base.hasSuffix("/") { base = base.dropLast() }
        guard p.hasPrefix(base) else { return nil }
        p = p.dropFirst(base.count)
        guard p.first == "/" else { return nil }
        p = p.dropFirst()
        guard !p.contains("/") else { return nil }
        return room(fromPathSegment: p)
    }

    public static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }

    /// Control characters in the protocol's sense: general categories Cc, Cf, Zl, Zp.
    public static func isControl(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }

    /// Whether `name` is a valid participant name: 1 to 32 characters, no control
    /// characters, no leading or trailing white space, and something visible: not only
    /// fillers or default-ignorable code points (`isInvisible`).
    public static func isValidName(_ name: String) -> Bool {
        let scalars = name.unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return false }
        guard scalars.count <= maxNameLength else { return false }
        guard !first.properties.isWhitespace, !last.properties.isWhitespace else { return false }
        return !scalars.contains(where: isControl) && scalars.contains { !isInvisible($0) }
    }

    /// Whether `agent` fits: at most 64 characters.
    public static func isValidAgent(_ agent: String) -> Bool {
        agent.unicodeScalars.count <= maxAgentLength
    }

    /// Whether `text` is a valid chat text: 1 to 1000 characters.
    public static func isValidChat(_ text: String) -> Bool {
        let n = text.unicodeScalars.count
        return n >= 1 && n <= maxChatLength
    }

    /// Whether `id` is a valid participant id.
    public static func isValidID(_ id: Int64) -> Bool { id >= 1 && UInt64(id) <= maxID }
}
