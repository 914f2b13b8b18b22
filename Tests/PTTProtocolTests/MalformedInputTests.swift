import Testing
@testable import PTTProtocol

/// Every class of malformed text gives a typed error, never a trap.
@Suite struct MalformedInputTests {
    func decode(_ s: String, limit: Int = ControlMessage.maxClientMessageSize) throws(MessageError) -> ControlMessage {
        try ControlMessage.decode(Array(s.utf8), limit: limit)
    }

    @Test func badJSON() {
        for s in ["", "{", "}", "{\"t\":}", "{\"t\":\"talk\",}", "[1,]", "{'t':'talk'}", "nul", "{\"t\":\"talk\"} x",
                  "{\"t\":01}", "{\"t\":-}", "{\"t\":1.}", "{\"t\":1e}", "{\"t\":\"a\u{1}\"}"] {
            #expect(throws: MessageError.self, "\(s)") { try decode(s) }
            do { _ = try decode(s); Issue.record("accepted \(s)") } catch {
                guard case .invalidJSON = error else { Issue.record("\(s): \(error)"); continue }
            }
        }
    }

    @Test func badUTF8() {
        let bytes: [UInt8] = Array(#"{"t":"chat","text":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(throws: MessageError.invalidJSON(.invalidUTF8)) { try ControlMessage.decode(bytes) }
        let overlong: [UInt8] = Array(#"{"t":"chat","text":""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8)
        #expect(throws: MessageError.invalidJSON(.invalidUTF8)) { try ControlMessage.decode(overlong) }
    }

    @Test func loneSurrogates() throws {
        #expect(throws: MessageError.invalidJSON(.loneSurrogate(offset: 20))) { try decode(#"{"t":"chat","text":"\ud800"}"#) }
        #expect(throws: MessageError.invalidJSON(.loneSurrogate(offset: 20))) { try decode(#"{"t":"chat","text":"\udc00x"}"#) }
        #expect(throws: MessageError.invalidJSON(.loneSurrogate(offset: 20))) { try decode(#"{"t":"chat","text":"\ud800\u0041"}"#) }
        #expect(try decode(#"{"t":"chat","text":"\ud83c\udf99"}"#) == .chat(from: nil, text: "🎙"))
    }

    @Test func notAnObjectOrNoType() {
        #expect(throws: MessageError.notAnObject) { try decode("[]") }
        #expect(throws: MessageError.notAnObject) { try decode("\"hello\"") }
        #expect(throws: MessageError.missingType) { try decode("{}") }
        #expect(throws: MessageError.missingType) { try decode(#"{"t":1}"#) }
        #expect(throws: MessageError.missingType) { try decode(#"{"t":null}"#) }
    }

    @Test func wrongFieldTypes() {
        #expect(throws: MessageError.wrongType(type: "talk", field: "on")) { try decode(#"{"t":"talk","on":"yes"}"#) }
        #expect(throws: MessageError.missingField(type: "talk", field: "on")) { try decode(#"{"t":"talk"}"#) }
        #expect(throws: MessageError.wrongType(type: "talk", field: "from")) { try decode(#"{"t":"talk","from":"1","on":true}"#) }
        #expect(throws: MessageError.wrongType(type: "chat", field: "text")) { try decode(#"{"t":"chat","text":5}"#) }
        #expect(throws: MessageError.wrongType(type: "hello", field: "listen")) { try decode(#"{"t":"hello","v":1,"name":"a","listen":1}"#) }
        #expect(throws: MessageError.wrongType(type: "hello", field: "v")) { try decode(#"{"t":"hello","v":"1","name":"a"}"#) }
        #expect(throws: MessageError.missingField(type: "hello", field: "v")) { try decode(#"{"t":"hello","name":"a"}"#) }
        #expect(throws: MessageError.wrongType(type: "welcome", field: "peers")) {
            try decode(#"{"t":"welcome","v":1,"you":1,"room":"r","peers":[1],"agent":"x","floor":"open"}"#)
        }
    }

    @Test func outOfRangeNumbers() {
        #expect(throws: MessageError.outOfRange(type: "talk", field: "from")) { try decode(#"{"t":"talk","from":0,"on":true}"#) }
        #expect(throws: MessageError.outOfRange(type: "talk", field: "from")) { try decode(#"{"t":"talk","from":4294967296,"on":true}"#) }
        #expect(throws: MessageError.outOfRange(type: "talk", field: "from")) { try decode(#"{"t":"talk","from":-5,"on":true}"#) }
        #expect(throws: MessageError.outOfRange(type: "talk", field: "from")) { try decode(#"{"t":"talk","from":1.0,"on":true}"#) }
        #expect(throws: MessageError.outOfRange(type: "talk", field: "from")) { try decode(#"{"t":"talk","from":99999999999999999999,"on":true}"#) }
        #expect(throws: MessageError.outOfRange(type: "ping", field: "ts")) { try decode(#"{"t":"ping","ts":9007199254740992}"#) }
        #expect(throws: MessageError.outOfRange(type: "ping", field: "ts")) { try decode(#"{"t":"ping","ts":-1}"#) }
        #expect(throws: MessageError.outOfRange(type: "leave", field: "id")) { try decode(#"{"t":"leave","id":0}"#, limit: 65536) }
        #expect(throws: MessageError.outOfRange(type: "welcome", field: "floor")) {
            try decode(#"{"t":"welcome","v":1,"you":1,"room":"r","peers":[],"agent":"x","floor":"many"}"#)
        }
    }

    @Test func invalidNamesAndRooms() {
        #expect(throws: MessageError.invalidName) { try decode(#"{"t":"hello","v":1,"name":""}"#) }
        #expect(throws: MessageError.invalidName) { try decode(#"{"t":"hello","v":1,"name":" bob"}"#) }
        #expect(throws: MessageError.invalidName) { try decode(#"{"t":"hello","v":1,"name":"b\u200bob"}"#) }
        #expect(throws: MessageError.invalidName) { try decode(#"{"t":"hello","v":1,"name":"\#(String(repeating: "x", count: 33))"}"#) }
        #expect(throws: MessageError.invalidAgent) { try decode(#"{"t":"hello","v":1,"name":"a","agent":"\#(String(repeating: "x", count: 65))"}"#) }
        #expect(throws: MessageError.invalidRoom) {
            try decode(#"{"t":"welcome","v":1,"you":1,"room":"a/b","peers":[],"agent":"x","floor":"open"}"#)
        }
        #expect(throws: MessageError.invalidName) { try decode(#"{"t":"join","id":3,"name":"\n","listen":false}"#) }
    }

    @Test func unsupportedVersion() {
        #expect(throws: MessageError.unsupportedVersion(2)) { try decode(#"{"t":"hello","v":2,"name":"a"}"#) }
        // A bad name is reported before the version: the hello is invalid either way.
        #expect(throws: MessageError.invalidName) { try decode(#"{"t":"hello","v":2,"name":""}"#) }
    }

    @Test func oversizeText() throws {
        let chat = #"{"t":"chat","text":""# + String(repeating: "x", count: 1001) + #""}"#
        #expect(throws: MessageError.invalidText) { try decode(chat) }
        #expect(throws: MessageError.invalidText) { try decode(#"{"t":"chat","text":""}"#) }
        let big = #"{"t":"chat","text":"x","pad":""# + String(repeating: "p", count: 4100) + #""}"#
        #expect(throws: MessageError.tooBig(length: big.utf8.count)) { try decode(big) }
        // The same message from a relay is within its limit.
        #expect(try decode(big, limit: ControlMessage.maxRelayMessageSize) == .chat(from: nil, text: "x"))
    }

    @Test func deepNestingIsBounded() {
        let deep = #"{"t":"x","a":"# + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(throws: MessageError.invalidJSON(.tooDeep)) { try decode(deep, limit: 1 << 20) }
    }

    @Test func unknownTypesAreKept() throws {
        let m = try decode(#"{"t":"future","x":[true,null]}"#)
        guard case .unknown(let type, let object) = m else { Issue.record("not unknown: \(m)"); return }
        #expect(type == "future")
        #expect(object["x"] == .array([.bool(true), .null]))
    }

    @Test func duplicateKeysKeepTheLastValue() throws {
        #expect(try decode(#"{"t":"talk","on":false,"on":true}"#) == .talk(from: nil, on: true))
    }
}
