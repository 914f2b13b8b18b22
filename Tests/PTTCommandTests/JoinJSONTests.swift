import Foundation
import PTTCore
import Testing

/// `ptt join --json` against a real `ptt-relay`, with ALSA file-plugin devices.
@Suite(.serialized) struct JoinJSONTests {
    func events(_ lines: [String], _ kind: String) -> [JSONObject] {
        lines.compactMap { line -> JSONObject? in
            guard case .object(let o)? = try? JSONValue.parse(line), o["event"] == .string(kind) else { return nil }
            return o
        }
    }

    @Test func twoClientsTalkAndChatThroughTheRelay() async throws {
        let tmp = try TemporaryDirectory()
        let speech = TestSignal.speechLike(seconds: 2, pad: 0.5)
        try TestSignal.write(speech + [Int16](repeating: 0, count: 48000 * 6), to: tmp.path("in.raw"))
        let (relay, port) = try await startRelay()
        defer { relay.stop() }
        let url = "ws://127.0.0.1:\(port)"

        var envB = testALSAEnvironment
        envB["TEST_ALSA_OUT"] = tmp.path("b.raw")
        let b = try ChildProcess("ptt", ["join", "standup", "bob", "--json", "--listen", "--relay", url], environment: envB)
        defer { b.stop() }
        #expect(await b.waitForLine { $0.contains(#""event":"ready""#) } != nil)

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

        // Let the speech play out in real time, then leave.
        try await Task.sleep(for: .seconds(3.5))
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
        #expect(TestSignal.rms(heard[...]) > 300)
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

    @Test func sigtermLeavesCleanly() async throws {
        let (relay, port) = try await startRelay()
        defer { relay.stop() }
        let a = try ChildProcess("ptt", ["join", "r", "alice", "--json", "--listen", "--relay", "ws://127.0.0.1:\(port)"],
                                 environment: testALSAEnvironment)
        #expect(await a.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        a.signal(SIGTERM)
        #expect(await a.waitForExit() == 0)
        #expect(a.output.last?.contains(#""event":"device""#) == true || a.output.contains { $0.contains(#""reason":"quit""#) })
    }
}
