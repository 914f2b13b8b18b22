import PTTProtocol
@testable import PTTRelay
import Testing

/// Closes and refusals: upgrade checks, sizes, malformed messages, timeouts, slow members.
@Suite(.timeLimit(.minutes(1))) struct LimitTests {
    @Test func upgradeChecksInOrder() async throws {
        try await withRelay({ $0.tokens = ["s3cret", "other"] }) { relay in
            let port = relay.address.port
            let missing = try await httpExchange(port: port, upgradeRequest(path: "/room", token: nil))
            #expect(missing.status == 401 && missing.headers["www-authenticate"] == "Bearer")
            let wrong = try await httpExchange(port: port, upgradeRequest(path: "/room", token: "s3creT"))
            #expect(wrong.status == 401 && wrong.headers["www-authenticate"] == "Bearer")
            // The token comes first: a bad path without a token is 401.
            #expect(try await httpExchange(port: port, upgradeRequest(path: "/a/b", token: nil)).status == 401)
            #expect(try await httpExchange(port: port, upgradeRequest(path: "/room", token: "other", subprotocol: false)).status == 400)
            for bad in ["/", "/a/b", "/room/", "/..", "/\(String(repeating: "x", count: 65))", "/a%20b", "/%zz"] {
                #expect(try await httpExchange(port: port, upgradeRequest(path: bad, token: "s3cret")).status == 400, "\(bad)")
            }
            let ok = try await httpExchange(port: port, upgradeRequest(path: "/%61bc?x=1", token: "s3cret"))
            #expect(ok.status == 101 && ok.headers["sec-websocket-protocol"] == "ptt.v1")
            // A real client with the token gets in.
            let c = try await TestClient.connect(relay.url("abc"), token: "other")
            #expect(try await c.hello("alice")["room"] == .string("abc"))
            await c.close()
        }
    }

    @Test func oversizeMessagesClose1009() async throws {
        try await withRelay { relay in
            let a = try await TestClient.connect(relay.url("r"))
            try await a.hello("alice")
            try await a.send(#"{"t":"chat","text":"\#(String(repeating: "x", count: 4100))"}"#)
            let text = try await a.closeCode()
            #expect(text.code == 1009 && text.word == "too-big")
            let b = try await TestClient.connect(relay.url("r"))
            try await b.hello("bob")
            try await b.send(binary: [1, 0, 0, 0, 1, 0, 1, 0] + [UInt8](repeating: 0xF8, count: 1493))
            let bin = try await b.closeCode()
            #expect(bin.code == 1009, "\(String(describing: bin.code))")
            #expect(bin.word == "too-big")
            // A single huge frame is refused by the frame decoder: 1009 all the same.
            let c = try await TestClient.connect(relay.url("r"))
            try await c.hello("carol")
            try await c.send(String(repeating: "x", count: 100_000))
            #expect(try await c.closeCode().code == 1009)
            // Fragments add up: a text message in 3 fragments of 2000 bytes is too big.
            let d = try await TestClient.connect(relay.url("r"))
            try await d.hello("dave")
            try await d.sendFragmented(#"{"t":"chat","text":""# + String(repeating: "y", count: 5980) + #""}"#, pieces: 3)
            let frag = try await d.closeCode()
            #expect(frag.code == 1009 && frag.word == "too-big")
        }
    }

    @Test func malformedMessagesClose1008() async throws {
        try await withRelay { relay in
            for bad in [#"{"t":"talk","on":1}"#, "[1,2]", #"{"t":"chat","text":""}"#, #"{"nope":1}"#, "{not json"] {
                let a = try await TestClient.connect(relay.url("r"))
                try await a.hello("alice")
                try await a.send(bad)
                let r = try await a.closeCode()
                #expect(r.code == 1008 && r.word == "bad-message", "\(bad)")
            }
            let b = try await TestClient.connect(relay.url("r"))
            try await b.hello("bob")
            try await b.send(binary: [1, 0, 0, 0, 1, 0, 1, 0])
            #expect(try await b.closeCode().code == 1008)
            let c = try await TestClient.connect(relay.url("r"))
            try await c.hello("carol")
            try await c.send(binary: [0, 0, 0, 0, 1, 0, 1, 0, 0xF8])
            #expect(try await c.closeCode().code == 1008)
        }
    }

    @Test func invalidHelloAndVersion() async throws {
        try await withRelay { relay in
            let a = try await TestClient.connect(relay.url("r"))
            try await a.send(#"{"t":"hello","v":1,"name":""}"#)
            let bad = try await a.closeCode()
            #expect(bad.code == 4400 && bad.word == "bad-hello")
            let b = try await TestClient.connect(relay.url("r"))
            try await b.send(#"{"t":"hello","v":2,"name":"bob"}"#)
            let version = try await b.closeCode()
            #expect(version.code == 4426 && version.word == "version")
        }
    }

    @Test func helloTimeoutCloses4400() async throws {
        try await withRelay({ $0.connection.helloTimeout = 300_000_000 }) { relay in
            let start = ContinuousClock.now
            let a = try await TestClient.connect(relay.url("r"))
            // Anything but hello is dropped before hello.
            try await a.send(#"{"t":"chat","text":"hi"}"#)
            try await a.send("garbage")
            let r = try await a.closeCode()
            #expect(r.code == 4400 && r.word == "bad-hello")
            #expect(ContinuousClock.now - start < .seconds(2))
        }
    }

    @Test func idleConnectionCloses4410ButPongsKeepItAlive() async throws {
        try await withRelay({ $0.connection.idleTimeout = 400_000_000; $0.connection.pingInterval = 100_000_000 }) { relay in
            // The client answers the relay's WebSocket pings, so a silent member stays.
            let a = try await TestClient.connect(relay.url("r"))
            try await a.hello("alice")
            try await Task.sleep(for: .milliseconds(1000))
            try await a.send(#"{"t":"ping","ts":1}"#)
            #expect(try await a.nextObject()["t"] == .string("pong"))
            await a.close()
        }
        try await withRelay({ $0.connection.idleTimeout = 300_000_000 }) { relay in
            let a = try await TestClient.connect(relay.url("r"))
            try await a.hello("alice")
            let r = try await a.closeCode()
            #expect(r.code == 4410 && r.word == "idle")
        }
    }

    @Test func rateLimitCloses1008() async throws {
        try await withRelay { relay in
            let a = try await TestClient.connect(relay.url("r"))
            try await a.hello("alice")
            for _ in 0..<200 { try await a.send(#"{"t":"chat","text":"spam"}"#) }
            let r = try await a.closeCode()
            #expect(r.code == 1008 && r.word == "rate-limit")
        }
    }

    /// WebSocket pings count too (at the text rate): a ping flood is closed, not answered
    /// at the cost of everyone else's CPU.
    @Test func pingFloodCloses1008() async throws {
        try await withRelay { relay in
            let a = try await TestClient.connect(relay.url("r"))
            try await a.hello("alice")
            do { for _ in 0..<400 { try await a.sendPing() } } catch {}   // the relay may close mid-flood
            let r = try await a.closeCode()
            #expect(r.code == 1008 && r.word == "rate-limit")
        }
    }

    /// A member that stops reading is not sent audio to pile up in the socket buffers (where
    /// the relay's 200 ms queue never sees it) and reach it late: once a ping has gone
    /// unanswered for 2 s its audio is dropped. After 6 s without reading it finds about the
    /// first 3 s, and the ping; once it answers, audio comes again.
    @Test func aMemberThatStopsReadingIsNotSentStaleAudio() async throws {
        try await withRelay { relay in
            let talker = try await TestClient.connect(relay.url("r"))
            try await talker.hello("talker")
            let sleeper = try RawSocket(port: relay.address.port)
            #expect(await sleeper.upgrade("/r") == 101)
            #expect(await sleeper.hello("sleeper") == "welcome")
            #expect(try await talker.nextObject()["t"] == .string("join"))
            let start = ContinuousClock.now
            for seq in 0..<300 {
                try await talker.send(binary: frame(seq: UInt16(seq), size: 200))
                try await Task.sleep(until: start + .milliseconds(20 * (seq + 1)))
            }
            let stale = await sleeper.drainFrames()
            let audio = stale.filter { $0.opcode == 2 }.count, pings = stale.filter { $0.opcode == 9 }
            #expect((25...200).contains(audio), "\(audio) of 300 frames waited for the member that did not read")
            #expect(!pings.isEmpty)
            for ping in pings { sleeper.sendPong(ping.payload) }
            try await Task.sleep(for: .milliseconds(200))
            for seq in 300..<310 {
                try await talker.send(binary: frame(seq: UInt16(seq), size: 200))
                try await Task.sleep(for: .milliseconds(20))
            }
            let fresh = await sleeper.drainFrames().filter { $0.opcode == 2 }.count
            #expect(fresh >= 9, "\(fresh) of 10 frames after the pong")
            await talker.close()
        }
    }

    @Test func slowMemberIsDroppedAndClosedWithoutDelayingOthers() async throws {
        try await withRelay({ $0.queue.tooSlowAfter = 500_000_000; $0.socketSendBuffer = 4096 }) { relay in
            let talker = try await TestClient.connect(relay.url("r"))
            try await talker.hello("talker")
            let fast = try await TestClient.connect(relay.url("r"))
            try await fast.hello("fast")
            let slow = try await TestClient.connect(relay.url("r"), reads: false)
            try await slow.send(#"{"t":"hello","v":1,"name":"slow"}"#)
            #expect(try await fast.nextObject()["t"] == .string("join"))
            _ = try await talker.nextObject(); _ = try await talker.nextObject()
            var delays: [Duration] = []
            var sawLeave = false
            var seq = 0
            // Frames of 1400 bytes at about 150 per second until the slow member is gone (at most 10 s).
            while !sawLeave || seq < 200, seq < 1500 {
                defer { seq += 1 }
                let sent = ContinuousClock.now
                try await talker.send(binary: frame(seq: UInt16(seq), size: 1400))
                var e = try await fast.next(timeout: .seconds(2))
                // The slow one is closed 4408 meanwhile, and leaves.
                if case .text(let s) = e {
                    #expect(s == #"{"t":"leave","id":\#(slow.you == 0 ? 0 : slow.you)}"# || s.hasPrefix(#"{"t":"leave""#))
                    sawLeave = true
                    e = try await fast.next(timeout: .seconds(2))
                }
                delays.append(ContinuousClock.now - sent)
                guard case .binary(let bytes) = e else { Issue.record("expected a frame, got \(e)"); return }
                #expect(try AudioFrame.decode(bytes).seq == UInt16(seq))
                try await Task.sleep(for: .milliseconds(5))
            }
            // Every frame reached the fast member, in order (above), and promptly: the slow one
            // never held it up. (Medians, not maxima: this machine may be busy with other work.)
            delays.sort()
            let median = delays[delays.count / 2]
            #expect(median < .milliseconds(50), "median delivery \(median)")
            #expect(sawLeave)
            let metrics = try await httpGet(port: relay.address.port, "/metrics")
            #expect(metrics.body.contains(#"ptt_relay_closes_total{code="4408"} 1"#))
            #expect(!metrics.body.contains("ptt_relay_dropped_frames_total 0\n"))
            slow.abort()
            await talker.close()
            await fast.close()
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct HandshakeTests {
    @Test func silentSocketIsClosedAfterTheHandshakeTimeout() async throws {
        try await withRelay({ $0.connection.helloTimeout = 300_000_000 }) { relay in
            let start = ContinuousClock.now
            // Half a request head, then nothing: the relay hangs up.
            let r = try? await httpExchange(port: relay.address.port, "GET /room HTTP/1.1\r\nHost: x\r\n")
            #expect(r == nil)
            let waited = ContinuousClock.now - start
            #expect(waited >= .milliseconds(250) && waited < .seconds(3))
        }
    }
}
