import PTTProtocol
@testable import PTTRelay
import Testing

/// One name per person (PROTOCOL.md §4, 4409) through a real relay and real WebSocket clients.
@Suite(.timeLimit(.minutes(1))) struct NameTests {
    func hello(_ name: String, from: UInt32) -> String {
        JSONValue.object(JSONObject([("t", .string("hello")), ("v", .int(1)), ("from", .int(Int64(from))), ("name", .string(name)),
                                     ("agent", .string("test/1")), ("listen", .bool(false))])).jsonText
    }

    /// The `error` before the close and the close code.
    func refusal(_ c: TestClient) async throws -> (code: Int?, error: JSONObject?) {
        var error: JSONObject?
        while true {
            switch try await c.next() {
            case .text(let s):
                if case .object(let o) = try JSONValue.parse(s), o["t"] == .string("error") { error = o }
            case .closed(let code): return (code, error)
            case .failed(let e): Issue.record("connection failed: \(e)"); return (nil, error)
            case .open, .binary: continue
            }
        }
    }

    @Test func aNameThatLooksTheSameIsRefused() async throws {
        try await withRelay { relay in
            let a = try await TestClient.connect(relay.url("standup"))
            try await a.send(hello("alice", from: 1))
            let wa = try await a.nextObject()
            #expect(wa["t"] == .string("welcome"))
            // Full-width capitals (NFKC), other case, a Hangul filler: all "alice".
            for (k, variant) in ["ＡＬＩＣＥ", "Alice", "alice\u{3164}", "ａｌｉｃｅ\u{FE0F}"].enumerated() {
                let b = try await TestClient.connect(relay.url("standup"))
                try await b.send(hello(variant, from: UInt32(100 + k)))
                let (code, error) = try await refusal(b)
                #expect(code == 4409, "\(variant)")
                #expect(error?["code"] == .string("name-taken"), "\(variant)")
                guard case .string(let text)? = error?["text"] else { Issue.record("no text for \(variant)"); continue }
                #expect(text.contains("taken in room \"standup\": choose another, such as \""), "\(text)")
                if variant == "Alice" { #expect(text.hasSuffix("such as \"Alice2\""), "\(text)") }
            }
            // Only fillers: not a name at all (4400).
            let c = try await TestClient.connect(relay.url("standup"))
            try await c.send(hello("\u{3164}\u{2800}", from: 200))
            #expect(try await c.closeCode() == (4400, "bad-hello"))
            // Another name, or the same name in another room, is welcome; the roster shows it as typed.
            let d = try await TestClient.connect(relay.url("standup"))
            try await d.send(hello("Ａlice2", from: 300))
            let w = try await d.nextObject()
            #expect(w["t"] == .string("welcome"))
            #expect(w["peers"] == .array([.object(JSONObject([("id", wa["you"] ?? .null), ("name", .string("alice")),
                                                              ("listen", .bool(false)), ("talking", .bool(false))]))]))
            let e = try await TestClient.connect(relay.url("other"))
            try await e.send(hello("ALICE", from: 400))
            #expect(try await e.nextObject()["t"] == .string("welcome"))
            // Once alice has left, the name is free again.
            await a.close()
            #expect(try await d.nextObject()["t"] == .string("leave"))
            let f = try await TestClient.connect(relay.url("standup"))
            try await f.send(hello("ALICE", from: 500))
            #expect(try await f.nextObject()["t"] == .string("welcome"))
            await d.close()
            await e.close()
            await f.close()
        }
    }

    /// The same client (same `hello.from`) joining again while its old connection is still in
    /// the room (a dropped network the relay has not noticed yet) takes its place.
    @Test func theSameClientReplacesItsStaleConnection() async throws {
        try await withRelay { relay in
            let old = try await TestClient.connect(relay.url("r"))
            try await old.send(hello("alice", from: 4242))
            #expect(try await old.nextObject()["t"] == .string("welcome"))
            let bob = try await TestClient.connect(relay.url("r"))
            try await bob.send(hello("bob", from: 7))
            #expect(try await bob.nextObject()["t"] == .string("welcome"))
            let again = try await TestClient.connect(relay.url("r"))
            try await again.send(hello("alice", from: 4242))
            let w = try await again.nextObject()
            #expect(w["t"] == .string("welcome"))
            #expect((try await refusal(old)).code == 4409)
            // bob sees the old alice leave and the new one join.
            let leave = try await bob.nextObject()
            let join = try await bob.nextObject()
            #expect(leave["t"] == .string("leave") && join["t"] == .string("join") && join["name"] == .string("alice"))
            await again.close()
            await bob.close()
        }
    }
}
