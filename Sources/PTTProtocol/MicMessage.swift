/// `mic`: a member muted or unmuted its microphone (docs/PROTOCOL.md, an addition to v1).
///
/// `{"t":"mic","from":17,"muted":true}`. A relay forwards it as any unknown type, stamping
/// `from`; a client that does not know it ignores it. A muted client sends it when it mutes,
/// when it (re)joins and when someone joins, so everyone present learns it without the relay
/// keeping the state.
public enum MicMessage {
    public static let type = "mic"

    public static func encoded(from: UInt32, muted: Bool) -> [UInt8] {
        ControlMessage.unknown(type: type, object: JSONObject([("t", .string(type)), ("from", .int(Int64(from))), ("muted", .bool(muted))])).encoded()
    }

    /// The sender and its state, from a decoded message; nil unless it is a valid `mic`.
    public static func parse(_ message: ControlMessage) -> (from: UInt32, muted: Bool)? {
        guard case .unknown(type, let object) = message,
              case .int(let from)? = object["from"], Validation.isValidID(from),
              case .bool(let muted)? = object["muted"] else { return nil }
        return (UInt32(from), muted)
    }
}
