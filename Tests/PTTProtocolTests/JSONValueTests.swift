import Testing
@testable import PTTProtocol

@Suite struct JSONValueTests {
    @Test func parsesScalars() throws {
        #expect(try JSONValue.parse(" null ") == .null)
        #expect(try JSONValue.parse("true") == .bool(true))
        #expect(try JSONValue.parse("-0") == .int(0))
        #expect(try JSONValue.parse("9223372036854775807") == .int(Int64.max))
        #expect(try JSONValue.parse("9223372036854775808") == .number("9223372036854775808"))
        #expect(try JSONValue.parse("1.25E+2") == .number("1.25E+2"))
        #expect(try JSONValue.parse(#""\u00e9\/\b\f""#) == .string("é/\u{8}\u{C}"))
    }

    @Test func serializesCompactly() throws {
        let text = #"{"a":[1,-2,3.5,true,false,null],"b":{"c":"d\"e"},"":""}"#
        #expect(try JSONValue.parse(text).jsonText == text)
        #expect(try JSONValue.parse(" { \"a\" : [ 1 , 2 ] } ").jsonText == #"{"a":[1,2]}"#)
    }

    /// Names and chat from others may carry controls that rewrite a terminal (C1, such as
    /// U+009B, the one-byte CSI) or reorder what it shows (U+202E): written as escapes.
    @Test func escapesControlsAndBidirectionalOverrides() throws {
        let hostile = "a\u{202E}b\u{85}c\u{9B}d\u{7F}\u{1B}[2J\u{2066}\u{2069}\u{200E}\u{200F}\u{61C}\u{2028}é漢😀"
        let text = JSONValue.string(hostile).jsonText
        #expect(text == #""a\u202eb\u0085c\u009bd\u007f\u001b[2J\u2066\u2069\u200e\u200f\u061c\u2028é漢😀""#)
        #expect(try JSONValue.parse(text) == .string(hostile))
        #expect(text.unicodeScalars.allSatisfy { $0.value >= 0x20 && !(0x7F...0x9F).contains($0.value) && !(0x2000...0x206F).contains($0.value) })
    }

    @Test func objectKeepsOrderAndReplaces() {
        var o = JSONObject([("t", .string("x")), ("a", .int(1))])
        o["a"] = .int(2)
        o["b"] = .null
        #expect(o.keys == ["t", "a", "b"])
        o["a"] = nil
        #expect(o.keys == ["t", "b"])
    }
}
