import PTTProtocol
@testable import PTTRelay
import Testing

/// Rooms through a real relay and real WebSocket clients (PROTOCOL.md §5).
@Suite(.timeLimit(.minutes(1))) struct RoomTests {
    @Test func welcomeThenJoinThenLeave() async throws {
        try await withRelay { relay in
            let a = try await TestClient.connect(relay.url("standup"))
            let wa = try await a.hello("alice")
            #expect(wa["room"] == .string("standup") && wa["peers"] == .array([]) && wa["floor"] == .string("open"))
            #expect(wa["agent"] == .string(PTTVersion.relayAgent))
            let b = try await TestClient.connect(relay.url("standup"))
            let wb = try await b.hello("bob")
            guard case .array(let peers)? = wb["peers"], case .object(let peer)? = peers.first else { Issue.record("no peers"); return }
            #expect(peer["id"] == .int(Int64(a.you)) && peer["name"] == .string("alice") && peer["talking"] == .bool(false))
            #expect(a.you != b.you && a.you != 0 && b.you != 0)
            let join = try await a.nextObject()
            #expect(join == JSONObject([("t", .string("join")), ("id", .int(Int64(b.you))), ("name", .string("bob")), ("listen", .bool(false))]))
            // Another room is separate.
            let c = try await TestClient.connect(relay.url("other"))
            #expect(try await c.hello("carol")["peers"] == .array([]))
            await b.close()
            let leave = try await a.nextObject()
            #expect(leave == JSONObject([("t", .string("leave")), ("id", .int(Int64(b.you)))]))
            await a.close()
            await c.close()
        }
    }

    @Test func stampsForgedSenders() async throws {
        try await withRelay { relay in
            let a = try await TestClient.connect(relay.url("r"))
            try await a.hello("alice")
            let b = try await TestClient.connect(relay.url("r"))
            try await b.hello("bob")
            _ = try await a.nextObject() // join
            try await a.send(#"{"t":"chat","from":\#(b.you),"text":"I am bob","extra":{"k":[1,2]}}"#)
            try await a.send(binary: frame(source: b.you, seq: 7, flags: [.start]))
            let chat = try await b.nextObject()
            #expect(chat == JSONObject([("t", .string("chat")), ("from", .int(Int64(a.you))), ("text", .string("I am bob")),
                                        ("extra", .object(JSONObject([("k", .array([.int(1), .int(2)]))])))]))
            let f = try await b.nextFrame()
            #expect(f.source == a.you && f.seq == 7 && f.flags == [.start] && f.payload.count == 80)
            // Relay-only types from a client are dropped, not forwarded.
            try await a.send(#"{"t":"leave","id":\#(b.you)}"#)
            try await a.send(#"{"t":"join","id":5,"name":"ghost","listen":false}"#)
            try await a.send(#"{"t":"hello","v":1,"name":"again"}"#)
            try await a.send(#"{"t":"custom","from":1,"x":true}"#)
            #expect(try await b.nextObject() == JSONObject([("t", .string("custom")), ("from", .int(Int64(a.you))), ("x", .bool(true))]))
            await a.close()
            await b.close()
        }
    }

    @Test func forwardsInOrderToOthersOnly() async throws {
        try await withRelay { relay in
            let a = try await TestClient.connect(relay.url("r"))
            try await a.hello("alice")
            let b = try await TestClient.connect(relay.url("r"))
            try await b.hello("bob")
            _ = try await a.nextObject()
            try await a.send(#"{"t":"talk","on":true}"#)
            for seq in 0..<100 {
                try await a.send(binary: frame(seq: UInt16(seq), flags: seq == 0 ? [.start] : seq == 99 ? [.end] : []))
                if seq == 50 { try await a.send(#"{"t":"chat","text":"half"}"#) }
                // Real time would be 20 ms a frame; a few ms keeps within the relay's 200 ms queue.
                try await Task.sleep(for: .milliseconds(2))
            }
            try await a.send(#"{"t":"talk","on":false}"#)
            #expect(try await b.nextObject()["on"] == .bool(true))
            for seq in 0..<100 {
                #expect(try await b.nextFrame().seq == UInt16(seq))
                if seq == 50 { #expect(try await b.nextObject()["text"] == .string("half")) }
            }
            #expect(try await b.nextObject()["on"] == .bool(false))
            // Nothing came back to the sender: its next message is b's.
            try await b.send(#"{"t":"chat","text":"done"}"#)
            #expect(try await a.nextObject()["text"] == .string("done"))
            // Both connections' frames were handled on their event loops.
            #expect(relay.server.hub.counters[.fastPathTakeovers] == 2)
            await a.close()
            await b.close()
        }
    }

    @Test func answersPingWithPong() async throws {
        try await withRelay { relay in
            let a = try await TestClient.connect(relay.url("r"))
            try await a.hello("alice")
            let b = try await TestClient.connect(relay.url("r"))
            try await b.hello("bob")
            _ = try await a.nextObject()
            try await a.send(#"{"t":"ping","from":1,"ts":9007199254740991}"#)
            #expect(try await a.nextObject() == JSONObject([("t", .string("pong")), ("ts", .int(9_007_199_254_740_991))]))
            // The ping was not forwarded.
            try await a.send(#"{"t":"chat","text":"after"}"#)
            #expect(try await b.nextObject()["text"] == .string("after"))
            await a.close()
            await b.close()
        }
    }

    @Test func listenerCannotTalk() async throws {
        try await withRelay { relay in
            let a = try await TestClient.connect(relay.url("r"))
            try await a.hello("alice")
            let l = try await TestClient.connect(relay.url("r"))
            let wl = try await l.hello("ear", listen: true)
            #expect(wl["t"] == .string("welcome"))
            #expect(try await a.nextObject()["listen"] == .bool(true))
            try await l.send(#"{"t":"talk","on":true}"#)
            #expect(try await l.nextObject() == JSONObject([("t", .string("deny")), ("reason", .string("listen-only"))]))
            try await l.send(binary: frame(seq: 1, flags: [.start]))
            try await l.send(#"{"t":"talk","on":false}"#)
            try await l.send(#"{"t":"chat","text":"listeners chat"}"#)
            // a gets the chat and nothing before it.
            #expect(try await a.nextObject()["text"] == .string("listeners chat"))
            await a.close()
            await l.close()
        }
    }

    @Test func talkOffOnBehalfOfALeavingTalker() async throws {
        try await withRelay { relay in
            let a = try await TestClient.connect(relay.url("r"))
            try await a.hello("alice")
            let b = try await TestClient.connect(relay.url("r"))
            try await b.hello("bob")
            _ = try await a.nextObject()
            try await a.send(#"{"t":"talk","on":true}"#)
            try await a.send(binary: frame(seq: 1, flags: [.start]))
            #expect(try await b.nextObject()["on"] == .bool(true))
            _ = try await b.nextFrame()
            a.abort()
            #expect(try await b.nextObject() == JSONObject([("t", .string("talk")), ("from", .int(Int64(a.you))), ("on", .bool(false))]))
            #expect(try await b.nextObject() == JSONObject([("t", .string("leave")), ("id", .int(Int64(a.you)))]))
            await b.close()
        }
    }

    @Test func talkOffOnBehalfOfASilentTalker() async throws {
        try await withRelay { relay in
            let a = try await TestClient.connect(relay.url("r"))
            try await a.hello("alice")
            let b = try await TestClient.connect(relay.url("r"))
            try await b.hello("bob")
            _ = try await a.nextObject()
            let start = ContinuousClock.now
            try await a.send(#"{"t":"talk","on":true}"#)
            #expect(try await b.nextObject()["on"] == .bool(true))
            let off = try await b.nextObject(timeout: .seconds(3))
            let waited = ContinuousClock.now - start
            #expect(off == JSONObject([("t", .string("talk")), ("from", .int(Int64(a.you))), ("on", .bool(false))]))
            #expect(waited >= .milliseconds(950) && waited < .milliseconds(2500))
            await a.close()
            await b.close()
        }
    }

    @Test func singleFloorDeniesBusy() async throws {
        try await withRelay({ $0.floor = .single }) { relay in
            let a = try await TestClient.connect(relay.url("radio"))
            #expect(try await a.hello("alice")["floor"] == .string("single"))
            let b = try await TestClient.connect(relay.url("radio"))
            try await b.hello("bob")
            let c = try await TestClient.connect(relay.url("radio"))
            try await c.hello("carol")
            _ = try await a.nextObject(); _ = try await a.nextObject(); _ = try await b.nextObject()
            try await a.send(#"{"t":"talk","on":true}"#)
            #expect(try await b.nextObject()["on"] == .bool(true))
            #expect(try await c.nextObject()["on"] == .bool(true))
            try await b.send(#"{"t":"talk","on":true}"#)
            #expect(try await b.nextObject() == JSONObject([("t", .string("deny")), ("reason", .string("busy")), ("holder", .int(Int64(a.you)))]))
            try await b.send(binary: frame(seq: 1, flags: [.start]))
            try await b.send(#"{"t":"talk","on":false}"#)
            try await a.send(binary: frame(seq: 9, flags: [.start]))
            // c gets a's frame, not b's, and not b's talk messages.
            let f = try await c.nextFrame()
            #expect(f.source == a.you && f.seq == 9)
            try await a.send(binary: frame(seq: 10, flags: [.end]))
            try await a.send(#"{"t":"talk","on":false}"#)
            #expect(try await c.nextFrame().seq == 10)
            #expect(try await c.nextObject()["on"] == .bool(false))
            // Now the floor is free.
            try await b.send(#"{"t":"talk","on":true}"#)
            let got = try await c.nextObject()
            #expect(got == JSONObject([("t", .string("talk")), ("on", .bool(true)), ("from", .int(Int64(b.you)))]))
            for x in [a, b, c] { await x.close() }
        }
    }

    @Test func maxTalkTimeDeniesTooLong() async throws {
        try await withRelay({ $0.floor = .single; $0.maxTalkSeconds = 1 }) { relay in
            let a = try await TestClient.connect(relay.url("radio"))
            try await a.hello("alice")
            let b = try await TestClient.connect(relay.url("radio"))
            try await b.hello("bob")
            _ = try await a.nextObject()
            let start = ContinuousClock.now
            try await a.send(#"{"t":"talk","on":true}"#)
            #expect(try await b.nextObject()["on"] == .bool(true))
            // Keep talking past the limit, one frame every 20 ms.
            var seq: UInt16 = 0
            var denied = false
            var forwarded = 0
            while ContinuousClock.now - start < .milliseconds(1400) {
                try await a.send(binary: frame(seq: seq, flags: seq == 0 ? [.start] : []))
                seq += 1
                try await Task.sleep(for: .milliseconds(20))
            }
            // a got deny too-long; b got the frames up to the limit, then talk off on a's behalf.
            while !denied {
                let o = try await a.nextObject()
                denied = o == JSONObject([("t", .string("deny")), ("reason", .string("too-long"))])
            }
            while true {
                let e = try await b.next()
                if case .binary = e { forwarded += 1; continue }
                guard case .text(let s) = e else { break }
                #expect(s == #"{"t":"talk","from":\#(a.you),"on":false}"#)
                break
            }
            #expect(forwarded >= 10 && forwarded < Int(seq) - 3, "\(forwarded) of \(seq)")
            // The rest of that spurt is dropped, its talk off too; b may now take the floor.
            try await a.send(binary: frame(seq: seq, flags: [.end]))
            try await a.send(#"{"t":"talk","on":false}"#)
            try await b.send(#"{"t":"talk","on":true}"#)
            #expect(try await a.nextObject()["from"] == .int(Int64(b.you)))
            await a.close()
            await b.close()
        }
    }

    @Test func roomFullAt4413() async throws {
        try await withRelay({ $0.maxRoomMembers = 1 }) { relay in
            let a = try await TestClient.connect(relay.url("tiny"))
            try await a.hello("alice")
            let b = try await TestClient.connect(relay.url("tiny"))
            try await b.send(#"{"t":"hello","v":1,"name":"bob"}"#)
            let (code, word) = try await b.closeCode()
            #expect(code == 4413 && word == "room-full")
            await a.close()
        }
    }

    @Test func maxRoomsAndMaxConnectionsAt4413() async throws {
        try await withRelay({ $0.maxRooms = 1; $0.maxConnections = 2 }) { relay in
            let a = try await TestClient.connect(relay.url("one"))
            try await a.hello("alice")
            let b = try await TestClient.connect(relay.url("two"))
            try await b.send(#"{"t":"hello","v":1,"name":"bob"}"#)
            #expect(try await b.closeCode() == (4413, "room-full"))
            let c = try await TestClient.connect(relay.url("one"))
            try await c.hello("carol")
            let d = try await TestClient.connect(relay.url("one"))
            try await d.send(#"{"t":"hello","v":1,"name":"dave"}"#)
            #expect(try await d.closeCode() == (4413, "room-full"))
            // When the room empties, it goes, and another may take its place.
            await a.close()
            await c.close()
            var joined = false
            for _ in 0..<50 where !joined {
                let e = try await TestClient.connect(relay.url("two"))
                try await e.send(#"{"t":"hello","v":1,"name":"erin"}"#)
                if case .text(let s) = try await e.next(), s.contains("welcome") { joined = true } else { try await Task.sleep(for: .milliseconds(20)) }
                await e.close()
            }
            #expect(joined)
        }
    }

    @Test func orderHoldsWhileFramesMoveToTheEventLoop() async throws {
        try await withRelay { relay in
            let a = try await TestClient.connect(relay.url("r"))
            try await a.hello("alice")
            for round in 0..<5 {
                // No waiting: hello and a burst of messages race the hand-over to the event loop.
                let b = try await TestClient.connect(relay.url("r"))
                try await b.send(#"{"t":"hello","v":1,"name":"bob"}"#)
                try await b.send(#"{"t":"talk","on":true}"#)
                for seq in 0..<8 {
                    try await b.send(binary: frame(seq: UInt16(seq), flags: seq == 0 ? [.start] : []))
                    try await b.send(#"{"t":"chat","text":"\#(seq)"}"#)
                }
                #expect(try await a.nextObject()["t"] == .string("join"), "round \(round)")
                #expect(try await a.nextObject()["on"] == .bool(true))
                for seq in 0..<8 {
                    #expect(try await a.nextFrame().seq == UInt16(seq))
                    #expect(try await a.nextObject()["text"] == .string("\(seq)"))
                }
                await b.close()
                // Its talk off on its behalf, then its leave.
                #expect(try await a.nextObject()["t"] == .string("talk"))
                #expect(try await a.nextObject()["t"] == .string("leave"))
            }
            await a.close()
        }
    }
}
