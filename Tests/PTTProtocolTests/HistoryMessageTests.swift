import Testing
@testable import PTTProtocol

@Suite struct HistoryMessageTests {
    @Test func base64MatchesRFC4648() {
        for (plain, coded) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")] {
            #expect(Base64.encode(Array(plain.utf8)) == coded)
            #expect(Base64.decode(coded) == Array(plain.utf8))
        }
        let all = (0...255).map { UInt8($0) }
        #expect(Base64.decode(Base64.encode(all)) == all)
        for bad in ["Zg=", "Z===", "Zm9v!A==", "=Zm9", "Zg==Zg=="] { #expect(Base64.decode(bad) == nil, "\(bad)") }
        // URL-safe, unpadded (RFC 4648 §5).
        #expect(Base64.encodeURL([0xFB, 0xFF]) == "-_8" && Base64.encode([0xFB, 0xFF]) == "+/8=")
        #expect(Base64.encodeURL(Array("fo".utf8)) == "Zm8" && Base64.encodeURL([UInt8](repeating: 0, count: 16)).count == 22)
    }

    @Test func answersRoundTripAndRequestsAreBounded() throws {
        let spurt = HistoryMessage.Spurt(id: 9, name: "alice", agoMillis: 12_000, packets: [[0xF8, 1, 2], [0xF8, 3]])
        let text = HistoryMessage.encoded(.spurt(spurt))
        #expect(String(decoding: text, as: UTF8.self) == #"{"t":"history","id":9,"name":"alice","ago_ms":12000,"packets":["+AEC","+AM="]}"#)
        #expect(HistoryMessage.answer(try ControlMessage.decode(text, limit: 65_536)) == .spurt(spurt))
        #expect(HistoryMessage.answer(try ControlMessage.decode(HistoryMessage.encoded(.done(count: 2)), limit: 65_536)) == .done(count: 2))
        // A member's request is not an answer (it has `from`).
        let request = try ControlMessage.decode(HistoryMessage.request(from: 3, n: 4), limit: 65_536)
        #expect(HistoryMessage.answer(request) == nil)
        guard case .unknown(_, let object) = request else { Issue.record("\(request)"); return }
        #expect(HistoryMessage.requested(object) == 4)
        #expect(HistoryMessage.requested(JSONObject([("t", .string("history"))])) == 5)
        #expect(HistoryMessage.requested(JSONObject([("t", .string("history")), ("n", .int(11))])) == nil)
    }
}
