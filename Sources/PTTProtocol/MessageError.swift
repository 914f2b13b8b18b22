/// Why a text message is not an acceptable control message.
public enum MessageError: Error, Equatable, Sendable {
    /// Over the byte limit for its direction (4096 from clients, 65536 from relays).
    case tooBig(length: Int)
    /// Not JSON, or not UTF-8, or an escaped lone surrogate.
    case invalidJSON(JSONParseError)
    /// JSON, but not an object.
    case notAnObject
    /// No `t`, or a `t` that is not a string.
    case missingType
    case missingField(type: String, field: String)
    case wrongType(type: String, field: String)
    case outOfRange(type: String, field: String)
    /// A participant name breaking the rules of §3.
    case invalidName
    /// An agent string over 64 characters.
    case invalidAgent
    /// A chat text outside 1...1000 characters.
    case invalidText
    /// A room name breaking the rules of §1.
    case invalidRoom
    /// A hello whose `v` is an integer other than 1.
    case unsupportedVersion(Int64)

    /// The close code a ptt relay answers with (PROTOCOL.md §4, §5).
    /// `inHello` says whether the message was the connection's `hello`.
    public func closeCode(inHello: Bool) -> CloseCode {
        switch self {
        case .tooBig: return .tooBig
        case .unsupportedVersion: return inHello ? .unsupportedVersion : .policyViolation
        default: return inHello ? .badHello : .policyViolation
        }
    }
}
