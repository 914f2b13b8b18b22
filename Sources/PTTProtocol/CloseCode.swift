/// The WebSocket close codes of PROTOCOL.md §4, with their `error.code` words.
public struct CloseCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let normal = CloseCode(rawValue: 1000)
    public static let goingAway = CloseCode(rawValue: 1001)
    /// Never sent: reported locally when a connection ends without a close frame.
    public static let abnormal = CloseCode(rawValue: 1006)
    /// RFC 6455: a frame the WebSocket protocol forbids (reserved bits set, an unmasked client
    /// frame, a continuation with nothing to continue, a message interleaved into a fragmented one).
    public static let protocolError = CloseCode(rawValue: 1002)
    /// RFC 6455: a text message that is not valid UTF-8.
    public static let invalidData = CloseCode(rawValue: 1007)
    public static let policyViolation = CloseCode(rawValue: 1008)
    public static let tooBig = CloseCode(rawValue: 1009)
    public static let internalError = CloseCode(rawValue: 1011)
    public static let serviceRestart = CloseCode(rawValue: 1012)
    public static let tryAgainLater = CloseCode(rawValue: 1013)
    public static let badHello = CloseCode(rawValue: 4400)
    public static let forbidden = CloseCode(rawValue: 4403)
    /// An operator removed the member from the room (an addition to v1); it may not rejoin for
    /// the minutes the `error` text says.
    public static let removed = CloseCode(rawValue: 4405)
    public static let tooSlow = CloseCode(rawValue: 4408)
    /// Another member of the room has the same name (a v1-compatible addition, PROTOCOL.md §4).
    public static let nameTaken = CloseCode(rawValue: 4409)
    public static let idle = CloseCode(rawValue: 4410)
    public static let roomFull = CloseCode(rawValue: 4413)
    public static let unsupportedVersion = CloseCode(rawValue: 4426)

    /// The `error.code` word a relay sends just before closing with this code, if any.
    /// 1008 has two words (`bad-message`, `rate-limit`): this returns the first.
    public var errorWord: String? {
        switch rawValue {
        case 1001: return "shutdown"
        case 1008: return "bad-message"
        case 1009: return "too-big"
        case 1011, 1012, 1013: return "internal"
        case 4400: return "bad-hello"
        case 4403: return "forbidden"
        case 4405: return "removed"
        case 4408: return "too-slow"
        case 4409: return "name-taken"
        case 4410: return "idle"
        case 4413: return "room-full"
        case 4426: return "version"
        default: return nil
        }
    }

    /// What a client does after a connection closed with this code.
    public var reconnect: ReconnectRule {
        switch rawValue {
        case 1000, 1009, 4400, 4403, 4405, 4409, 4426: return .never
        case 1001, 1006, 1011, 1012, 1013, 4410: return .soon
        case 1008, 4408: return .afterBackoff
        case 4413: return .slowly
        // Codes the table does not name: a 1xxx code the peer sent is a protocol
        // problem of some kind; treat every unknown code like a dropped connection.
        default: return .afterBackoff
        }
    }

    public var description: String { String(rawValue) }
}

/// How a client reacts to a close (PROTOCOL.md §4).
public enum ReconnectRule: Equatable, Sendable {
    /// Final: do not reconnect, tell the user.
    case never
    /// Reconnect with the normal backoff, starting at its shortest delay.
    case soon
    /// Reconnect, but not before the backoff has grown (the server asked us to back off).
    case afterBackoff
    /// Reconnect with a long first delay (room full).
    case slowly

    public var reconnects: Bool { self != .never }
}
