import Foundation
import PTTProtocol
import PTTTestSupport
import Testing

/// `ptt join --json` against a real `ptt-relay`, with ALSA file-plugin devices.
@Suite(.serialized) struct JoinJSONTests {
    func events(_ lines: [String], _ kind: String) -> [JSONObject] {
        lines.compactMap { line -> JSONObject? in
            guard case .object(let o)? = try? JSONValue.parse(line), o["event"] == .string(kind) else { return nil }
            return o
        }
    }

    /// The first `stats` event the process printed (waiting for it).
    func statsEvent(_ process: ChildProcess) async -> JSONObject? {
        guard let line = await process.waitForLine({ $0.contains(#""event":"stats""#) }) else { return nil }
        return events([line], "stats").first
    }

    @Test func twoClientsTalkAndChatThroughTheRelay() async throws {
        let (relay, port) = try await startRelay()
        defer { relay.stop() }
        try await talkAndChat(url: "ws://127.0.0.1:\(port)", expectLink: "relay")
    }

    /// The same conversation through a forwarder that knows nothing of ptt (PROTOCOL.md §6).
    @Test func twoClientsTalkAndChatThroughAPlainForwarder() async throws {
        let forwarder = PlainForwarder()
        let port = try await forwarder.start()
        try await talkAndChat(url: "ws://127.0.0.1:\(port)", expectLink: "forwarder")
        await forwarder.stop()
    }

    /// A talks (open mode, speech from its "microphone" file) and chats; B listens and its
    /// "speaker" file must hold A's speech: the envelope correlates, in order, for its length.
    func talkAndChat(url: String, expectLink: String) async throws {
        let tmp = try TemporaryDirectory()
        let speech = TestSignal.speechLike(seconds: 2, pad: 0.5)
        // A's microphone runs from its start, and what it captures before the room is joined is
        // not sent: the speech starts 3 s in, after any join.
        try TestSignal.write([Int16](repeating: 0, count: 48000 * 5 / 2) + speech + [Int16](repeating: 0, count: 48000 * 6),
                             to: tmp.path("in.raw"))

        var envB = testALSAEnvironment
        envB["TEST_ALSA_OUT"] = tmp.path("b.raw")
        let b = try ChildProcess("ptt", ["join", "standup", "bob", "--json", "--listen", "--relay", url], environment: envB)
        defer { b.stop() }
        #expect(await b.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        #expect(b.output.contains { $0.contains(#""event":"connected""#) && $0.contains(#""link":"\#(expectLink)""#) })

        var envA = testALSAEnvironment
        envA["TEST_ALSA_IN"] = tmp.path("in.raw")
        let a = try ChildProcess("ptt", ["join", "standup", "alice", "--json", "--mode", "open", "--relay", url], environment: envA)
        defer { a.stop() }
        #expect(await b.waitForLine { $0.contains(#""event":"joined""#) && $0.contains("alice") } != nil)
        #expect(await b.waitForLine { $0.contains(#""event":"talk""#) && $0.contains(#""on":true"#) } != nil)

        a.send("chat hello bob")
        a.send("talk sideways")
        #expect(await b.waitForLine { $0.contains(#""text":"hello bob""#) } != nil)
        #expect(await a.waitForLine { $0.contains("bad-command") } != nil)

        // Let the speech play out in real time: wait (at most 20 s) until B's speaker has played
        // it and 0.5 s of the quiet after it.
        _ = await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            let envelope = TestSignal.envelope(TestSignal.read(tmp.path("b.raw")))
            guard let last = envelope.lastIndex(where: { $0 > 500 }) else { return false }
            return envelope.count - last > 50
        }

        // `stats`: B has played A's frames (A talks all along in open mode) and A has sent them.
        // A counts after B has answered, so every frame B played is among those A counts.
        b.send("stats")
        let statsB = await statsEvent(b)
        a.send("stats")
        let statsA = await statsEvent(a)
        if case .array(let speakers)? = statsB?["speakers"], speakers.count == 1,
           case .object(let alice) = speakers[0], case .int(let played)? = alice["played"],
           case .int(let sent)? = statsA?["sent_frames"] {
            #expect(played > 100, "B played \(played) frames")
            #expect(sent >= played, "A sent \(sent), B played \(played)")
        } else {
            Issue.record("stats events: \(String(describing: statsB)) \(String(describing: statsA))")
        }
        a.send("quit")
        #expect(await a.waitForExit() == 0)
        #expect(await b.waitForLine { $0.contains(#""event":"left""#) } != nil)
        b.send("quit")
        #expect(await b.waitForExit() == 0)

        let talk = events(b.output, "talk")
        #expect(talk.first?["on"] == .bool(true))
        #expect(talk.last?["on"] == .bool(false))
        let heard = TestSignal.read(tmp.path("b.raw"))
        let (correlation, lag) = TestSignal.envelopeCorrelation(probe: speech, in: heard)
        #expect(correlation > 0.9, "envelope correlation \(correlation) at \(lag * 10) ms")
        // The speech lasts as long as it was said: the loud part spans about 2 s.
        let envelope = TestSignal.envelope(heard)
        let loud = envelope.indices.filter { envelope[$0] > 500 }
        if let first = loud.first, let last = loud.last {
            #expect((170...230).contains(last - first), "speech spans \((last - first) * 10) ms")
        } else {
            Issue.record("B heard nothing")
        }
    }

    @Test func refusalsAreFinalAndClear() async throws {
        let (relay, port) = try await startRelay(["--token", "sesame"])
        defer { relay.stop() }
        let url = "ws://127.0.0.1:\(port)"
        let wrong = try ChildProcess("ptt", ["join", "r", "eve", "--json", "--listen", "--relay", url, "--token", "nope"],
                                     environment: testALSAEnvironment)
        #expect(await wrong.waitForExit() == 1)
        #expect(wrong.errorText.contains("HTTP 401"))
        #expect(wrong.output.contains { $0.contains(#""reason":"refused","status":401"#) })
        let right = try ChildProcess("ptt", ["join", "r", "eve", "--json", "--listen", "--relay", url, "--token", "sesame"],
                                     environment: testALSAEnvironment)
        #expect(await right.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        right.send("quit")
        #expect(await right.waitForExit() == 0)
    }

    /// HTTP 401 says whether a token was missing or refused, and where a refused one came
    /// from, never the token itself.
    @Test func aRefusedTokenIsToldApartFromAMissingOne() async throws {
        let (relay, port) = try await startRelay(["--token", "sesame"])
        defer { relay.stop() }
        let url = "ws://127.0.0.1:\(port)"
        let dir = try TemporaryDirectory()
        try "token = \"file-secret\"\n".write(toFile: dir.path("config.toml"), atomically: true, encoding: .utf8)
        let cases: [(args: [String], env: [String: String], message: String, secret: String?)] = [
            ([], [:], "this relay needs a token (HTTP 401): pass --token", nil),
            (["--token", "typed-secret"], [:], "the relay refused the token given (--token) (HTTP 401)", "typed-secret"),
            ([], ["PTT_TOKEN": "env-secret"], "the relay refused the token given (PTT_TOKEN) (HTTP 401)", "env-secret"),
            ([], ["PTT_CONFIG": dir.path("config.toml")], "the relay refused the token given (\(dir.path("config.toml")) line 1) (HTTP 401)", "file-secret"),
        ]
        for c in cases {
            let join = try ChildProcess("ptt", ["join", "r", "eve", "--json", "--listen", "--relay", url] + c.args,
                                        environment: testALSAEnvironment.merging(c.env) { $1 })
            #expect(await join.waitForExit() == 1)
            #expect(join.errorText.contains(c.message), "\(c.args) \(c.env): \(join.errorText)")
            if let secret = c.secret {
                #expect(!join.errorText.contains(secret) && !join.output.joined().contains(secret), "\(join.errorText)")
            }
        }
    }

    @Test func unreachableRelayAndBadArgumentsExitNonZero() async throws {
        let gone = try ChildProcess("ptt", ["join", "r", "eve", "--json", "--listen", "--relay", "ws://127.0.0.1:9"],
                                    environment: testALSAEnvironment)
        #expect(await gone.waitForExit() == 1)
        #expect(gone.errorText.contains("cannot reach the relay at ws://127.0.0.1:9/r"))
        let badRoom = try ChildProcess("ptt", ["join", "no/slash", "eve", "--json"])
        #expect(await badRoom.waitForExit() != 0)
        #expect(badRoom.errorText.contains("invalid room"))
        let badURL = try ChildProcess("ptt", ["join", "r", "eve", "--relay", "http//x"])
        #expect(await badURL.waitForExit() != 0)
        #expect(badURL.errorText.contains("ws://"))
    }

    /// `talk on` that cannot send says why: a listener never talks; without a microphone nothing
    /// goes out until it works.
    @Test func talkThatCannotSendSaysWhy() async throws {
        let (relay, port) = try await startRelay()
        defer { relay.stop() }
        var noMic = testALSAEnvironment
        noMic["TEST_ALSA_IN"] = "/nonexistent-dir/mic.raw"
        let a = try ChildProcess("ptt", ["join", "r", "alice", "--json", "--relay", "ws://127.0.0.1:\(port)"], environment: noMic)
        defer { a.stop() }
        #expect(await a.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        #expect(await a.waitForLine { $0.contains(#""kind":"input","status":"unavailable""#) } != nil, "\(a.output)")
        a.send("talk on")
        #expect(await a.waitForLine { $0.contains(#""code":"no-microphone""#) && $0.contains("nothing is sent until it works") } != nil,
                "\(a.output)")
        let b = try ChildProcess("ptt", ["join", "r", "bob", "--json", "--listen", "--relay", "ws://127.0.0.1:\(port)"],
                                 environment: testALSAEnvironment)
        defer { b.stop() }
        #expect(await b.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        b.send("talk on")
        #expect(await b.waitForLine { $0.contains(#""code":"listen-only""#) } != nil, "\(b.output)")
    }

    @Test(arguments: [SIGTERM, SIGQUIT])
    func aSignalLeavesCleanly(_ signal: Int32) async throws {
        let (relay, port) = try await startRelay()
        defer { relay.stop() }
        let a = try ChildProcess("ptt", ["join", "r", "alice", "--json", "--listen", "--relay", "ws://127.0.0.1:\(port)"],
                                 environment: testALSAEnvironment)
        #expect(await a.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        a.signal(signal)
        #expect(await a.waitForExit() == 0, "\(a.errorText)")
        #expect(a.output.contains { $0.contains(#""event":"ended""#) && $0.contains(#""reason":"quit""#) }, "\(a.output)")
    }
}
