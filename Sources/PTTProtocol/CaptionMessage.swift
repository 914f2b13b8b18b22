/// `caption`: what a scribe recognized of a member's spurt (docs/PROTOCOL.md, an addition to v1).
///
/// `{"t":"caption","from":9,"about":17,"name":"alice","text":"good morning","final":true}`:
/// `from` is the scribe (stamped by a relay as for any message), `about` the member who spoke,
/// `name` that member's name when the scribe heard it. `final:false` is a partial caption, replaced
/// by the next caption about the same member. A relay forwards it as any unknown type; a client
/// that does not know it ignores it.
public struct CaptionMessage: Equatable, Sendable {
    public static let type = "caption"
    /// The longest text: a chat line's.
    public static let maxTextLength = Validation.maxChatLength

    public var from: UInt32
    public var about: UInt32
    public var name: String
    public var text: String
    public var final: Bool

    public init(from: UInt32, about: UInt32, name: String, text: String, final: Bool) {
        self.from = from
        self.about = about
        self.name = name
        self.text = text
        self.final = final
    }

    /// The message's JSON text. A text longer than a chat line is cut at a word, with "…".
    public func encoded() -> [UInt8] {
        ControlMessage.unknown(type: Self.type, object: JSONObject([
            ("t", .string(Self.type)), ("from", .int(Int64(from))), ("about", .int(Int64(about))),
            ("name", .string(name)), ("text", .string(Self.fitted(text))), ("final", .bool(final)),
        ])).encoded()
    }

    /// `text` cut to `maxTextLength` characters at the last space before it, ending in "…".
    public static func fitted(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count > maxTextLength else { return text }
        var end = maxTextLength - 1
        if let space = scalars[..<end].lastIndex(of: " "), space > maxTextLength / 2 { end = space }
        var cut = String.UnicodeScalarView()
        cut.append(contentsOf: scalars[..<end])
        return String(cut) + "…"
    }

    /// A valid `caption` from a decoded message, or nil: ids valid, a name, a text of 1 to 1000
    /// characters, `final` a boolean.
    public static func parse(_ message: ControlMessage) -> CaptionMessage? {
        guard case .unknown(type, let object) = message,
              case .int(let from)? = object["from"], Validation.isValidID(from),
              case .int(let about)? = object["about"], Validation.isValidID(about),
              case .string(let name)? = object["name"], Validation.isValidName(name),
              case .string(let text)? = object["text"], Validation.isValidChat(text),
              case .bool(let final)? = object["final"] else { return nil }
        return CaptionMessage(from: UInt32(from), about: UInt32(about), name: name, text: text, final: final)
    }
}
