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

    @Test func objectKeepsOrderAndReplaces() {
        var o = JSONObject([("t", .string("x")), ("a", .int(1))])
        o["a"] = .int(2)
        o["b"] = .null
        #expect(o.keys == ["t", "a", "b"])
        o["a"] = nil
        #expect(o.keys == ["t", "b"])
    }
}
