import Foundation
import Glibc
import PTTProtocol
import Testing

/// Operators and direct talk through a real `ptt-relay`, driven by `ptt join --json` commands.
@Suite(.serialized) struct OperatorTests {
    func events(_ lines: [String], _ kind: String) -> [JSONObject] {
        lines.compactMap { line -> JSONObject? in
            guard case .object(let o)? = try? JSONValue.parse(line), o["event"] == .string(kind) else { return nil }
            return o
        }
    }

    func listener(_ name: String, url: String, token: String? = nil, out: String = "/dev/null") throws -> ChildProcess {
        var env = testALSAEnvironment
        env["TEST_ALSA_OUT"] = out
        return try ChildProcess("ptt", ["join", "r", name, "--json", "--listen", "--relay", url] + (token.map { ["--token", $0] } ?? []), environment: env)
    }

    /// An operator removes a member: it ends with the relay's words and cannot come back for the
    /// minutes given; everyone sees it; a non-operator cannot; the telemetry keeps it.
    @Test func anOperatorKicksAndTheMemberStaysOut() async throws {
        let tmp = try TemporaryDirectory()
        let (relay, port) = try await startRelay(["--operator-token", "boss", "--record", tmp.path("rec")])
        defer { relay.stop() }
        let url = "ws://127.0.0.1:\(port)"
        let mod = try listener("mod", url: url, token: "boss")
        defer { mod.stop() }
        #expect(await mod.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        let bob = try listener("bob", url: url)
        defer { bob.stop() }
        let carol = try listener("carol", url: url)
        defer { carol.stop() }
        #expect(await carol.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        // The roster follows the ready line: wait for it rather than reading what has come so far.
        #expect(await carol.waitForLine { $0.contains(#""name":"mod""#) && $0.contains(#""op":true"#) } != nil, "the operator is marked")
        #expect(await bob.waitForLine { $0.contains(#""event":"ready""#) } != nil)

        carol.send("kick bob")
        #expect(await carol.waitForLine { $0.contains(#""code":"operator""#) && $0.contains("not an operator") } != nil)
        mod.send("kick nobody")
        #expect(await mod.waitForLine { $0.contains(#""event":"denied""#) && $0.contains("no-such-member") } != nil)

        mod.send("kick bob 7")
        #expect(await bob.waitForExit(timeout: .seconds(10)) == 1)
        #expect(bob.errorText.contains("an operator removed you from room \"r\" for 7 minutes"), "\(bob.errorText)")
        #expect(await carol.waitForLine { $0.contains(#""event":"moderation""#) && $0.contains(#""do":"kick""#) && $0.contains(#""by":"mod""#) } != nil)
        #expect(await carol.waitForLine { $0.contains(#""event":"left""#) && $0.contains("bob") } != nil)
        // Back under the same name: refused, with how long to wait, and no retrying.
        let again = try listener("bob", url: url)
        defer { again.stop() }
        #expect(await again.waitForExit(timeout: .seconds(10)) == 1)
        #expect(again.errorText.contains("you may join again in 7 minutes"), "\(again.errorText)")

        mod.send("quit")
        carol.send("quit")
        _ = await mod.waitForExit()
        _ = await carol.waitForExit()
        let days = try FileManager.default.contentsOfDirectory(atPath: tmp.path("rec/r"))
        let telemetry = try String(contentsOfFile: tmp.path("rec/r/\(days.first ?? "")/telemetry.jsonl"), encoding: .utf8)
        #expect(telemetry.contains(#""event":"moderation","do":"kick""#) && telemetry.contains(#""name":"bob","by""#), "\(telemetry)")
    }

    /// alice talks to bob alone: bob hears it, marked direct; carol sees and hears nothing. Then
    /// an operator mutes alice: her next talk is refused, and the room is told.
    @Test func directTalkAndAnOperatorsMute() async throws {
        let tmp = try TemporaryDirectory()
        let (relay, port) = try await startRelay(["--operator-token", "boss", "--record", tmp.path("rec")])
        defer { relay.stop() }
        let url = "ws://127.0.0.1:\(port)"
        let speech = TestSignal.speechLike(seconds: 30, pad: 0)
        try TestSignal.write(speech, to: tmp.path("mic.raw"))
        let bob = try listener("bob", url: url, out: tmp.path("bob.raw"))
        defer { bob.stop() }
        let carol = try listener("carol", url: url, out: tmp.path("carol.raw"))
        defer { carol.stop() }
        let mod = try listener("mod", url: url, token: "boss")
        defer { mod.stop() }
        var env = testALSAEnvironment
        env["TEST_ALSA_IN"] = tmp.path("mic.raw")
        let alice = try ChildProcess("ptt", ["join", "r", "alice", "--json", "--relay", url, "--no-cues"], environment: env)
        defer { alice.stop() }
        for p in [bob, carol, mod] { #expect(await p.waitForLine { $0.contains(#""event":"joined""#) && $0.contains("alice") } != nil) }

        alice.send("talk on alice")
        #expect(await alice.waitForLine { $0.contains(#""code":"direct""#) } != nil)
        alice.send("talk on bob")
        #expect(await bob.waitForLine { $0.contains(#""event":"talk""#) && $0.contains(#""on":true"#) && $0.contains(#""direct":true"#) } != nil)
        try await Task.sleep(for: .seconds(2))
        alice.send("talk off")
        #expect(await bob.waitForLine { $0.contains(#""event":"talk""#) && $0.contains(#""on":false"#) } != nil)
        try await Task.sleep(for: .milliseconds(500))
        #expect(!carol.output.contains { $0.contains(#""event":"talk""#) }, "carol saw the direct spurt")
        let heardByBob = TestSignal.envelope(TestSignal.read(tmp.path("bob.raw"))).filter { $0 > 500 }.count
        let heardByCarol = TestSignal.envelope(TestSignal.read(tmp.path("carol.raw"))).filter { $0 > 500 }.count
        #expect(heardByBob > 100, "bob heard \(heardByBob) loud blocks")
        #expect(heardByCarol == 0, "carol heard \(heardByCarol) loud blocks")

        mod.send("mute alice")
        #expect(await carol.waitForLine { $0.contains(#""event":"moderation""#) && $0.contains(#""do":"mute""#) } != nil)
        alice.send("talk on")
        #expect(await alice.waitForLine { $0.contains(#""event":"denied""#) && $0.contains(#""reason":"muted""#) } != nil)
        try await Task.sleep(for: .milliseconds(500))
        alice.send("talk off")
        #expect(!carol.output.contains { $0.contains(#""event":"talk""#) }, "carol heard a muted member")
        mod.send("unmute alice")
        #expect(await carol.waitForLine { $0.contains(#""do":"unmute""#) } != nil)
        alice.send("talk on")
        #expect(await carol.waitForLine { $0.contains(#""event":"talk""#) && $0.contains(#""on":true"#) } != nil)
        alice.send("quit")
        #expect(await alice.waitForExit() == 0)
        // The recording of the direct spurt says whom it was for; the telemetry too.
        let days = try FileManager.default.contentsOfDirectory(atPath: tmp.path("rec/r"))
        let files = try FileManager.default.contentsOfDirectory(atPath: tmp.path("rec/r/\(days.first ?? "")"))
        #expect(files.filter { $0.hasSuffix("-to-bob.opus") && $0.contains("-alice-") }.count == 1, "\(files)")
        let telemetry = try String(contentsOfFile: tmp.path("rec/r/\(days.first ?? "")/telemetry.jsonl"), encoding: .utf8)
        #expect(telemetry.contains(#""event":"direct""#) && telemetry.contains(#""to_name":"bob""#), "\(telemetry)")
    }

    /// A late joiner asks the relay (recording) for the room's last spurts, and replays them; an
    /// operator can turn that off; a relay that records nothing says it keeps none.
    @Test func aLateJoinerGetsTheRoomsLastSpurts() async throws {
        let tmp = try TemporaryDirectory()
        let (relay, port) = try await startRelay(["--operator-token", "boss", "--record", tmp.path("rec")])
        defer { relay.stop() }
        let url = "ws://127.0.0.1:\(port)"
        try TestSignal.writeWAV(TestSignal.speechLike(seconds: 1.5, pad: 0.1), to: tmp.path("speech.wav"))
        for name in ["alice", "bob"] {
            let send = try ChildProcess("ptt", ["send", "r", name, tmp.path("speech.wav"), "--relay", url])
            #expect(await send.waitForExit(timeout: .seconds(15)) == 0, "\(send.errorText)")
        }
        let carol = try listener("carol", url: url)
        defer { carol.stop() }
        #expect(await carol.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        carol.send("history 5")
        #expect(await carol.waitForLine { $0.contains(#""event":"history""#) && $0.contains(#""count":2"#) } != nil, "\(carol.output.suffix(4))")
        carol.send("replays")
        let replays = await carol.waitForLine { $0.contains(#""event":"replays""#) }
        #expect(replays?.contains(#""name":"alice""#) == true && replays?.contains(#""name":"bob""#) == true, "\(replays ?? "")")
        carol.send("replay 2")
        #expect(await carol.waitForLine { $0.contains(#""event":"replay""#) && $0.contains(#""name":"alice""#) } != nil)
        // Asking again at once is refused (once every 2 s); an operator turns it off.
        let mod = try listener("mod", url: url, token: "boss")
        defer { mod.stop() }
        #expect(await mod.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        mod.send("op history off")
        #expect(await carol.waitForLine { $0.contains(#""event":"moderation""#) && $0.contains(#""do":"history-off""#) } != nil)
        try await Task.sleep(for: .seconds(2))
        carol.send("history")
        #expect(await carol.waitForLine { $0.contains(#""event":"denied""#) && $0.contains(#""reason":"no-history""#) } != nil)

        // Without --record the relay keeps nothing, and says so.
        let (plain, plainPort) = try await startRelay()
        defer { plain.stop() }
        let dave = try listener("dave", url: "ws://127.0.0.1:\(plainPort)")
        defer { dave.stop() }
        #expect(await dave.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        dave.send("history")
        #expect(await dave.waitForLine { $0.contains(#""event":"denied""#) && $0.contains(#""reason":"no-history""#) } != nil)
    }
}
