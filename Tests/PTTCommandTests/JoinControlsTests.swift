import Foundation
import PTTProtocol
import PTTTestSupport
import Testing

/// The controls people reach for, through `ptt join --json` against a real `ptt-relay`:
/// microphone mute seen by the others, a busy floor refused without a permit, per-person volume
/// remembered under the XDG state directory, and `stats` that name speakers, gone ones too.
@Suite(.serialized) struct JoinControlsTests {
    static func join(_ name: String, _ url: String, _ extra: [String], state: String? = nil) throws -> ChildProcess {
        var env = testALSAEnvironment
        if let state { env["XDG_STATE_HOME"] = state }
        return try ChildProcess("ptt", ["join", "standup", name, "--json", "--relay", url] + extra, environment: env)
    }

    static func has(_ line: String, _ parts: String...) -> Bool { parts.allSatisfy { line.contains($0) } }

    @Test func aMutedMicrophoneSendsNothingAndTheRoomSeesIt() async throws {
        let (relay, port) = try await startRelay()
        defer { relay.stop() }
        let url = "ws://127.0.0.1:\(port)"
        let bob = try Self.join("bob", url, ["--listen"])
        defer { bob.stop() }
        #expect(await bob.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        // Open mode: alice sends from the start, until she mutes.
        let alice = try Self.join("alice", url, ["--mode", "open"])
        defer { alice.stop() }
        #expect(await bob.waitForLine { Self.has($0, #""event":"talk""#, "alice", #""on":true"#) } != nil)
        alice.send("mic off")
        #expect(await alice.waitForLine { Self.has($0, #""event":"mic""#, #""own":true"#, #""muted":true"#) } != nil)
        #expect(await alice.waitForLine { Self.has($0, #""event":"transmit""#, #""on":false"#) } != nil)
        #expect(await bob.waitForLine { Self.has($0, #""event":"mic""#, #""name":"alice""#, #""muted":true"#) } != nil)
        #expect(await bob.waitForLine { Self.has($0, #""event":"talk""#, "alice", #""on":false"#) } != nil)
        // Nothing is sent while muted, in open mode: her sent frames stand still.
        alice.send("stats")
        let first = await alice.waitForLine { $0.contains(#""event":"stats""#) }
        try await Task.sleep(for: .milliseconds(600))
        alice.send("stats")
        _ = await eventually(timeout: .seconds(5), every: .milliseconds(50)) { alice.output.filter { $0.contains(#""event":"stats""#) }.count >= 2 }
        let stats = alice.output.filter { $0.contains(#""event":"stats""#) }
        #expect(stats.count == 2 && Self.sent(stats[0]) == Self.sent(stats[1]) && first != nil, "\(stats)")
        // Someone who joins now learns it too (the relay keeps no such state: alice says it again).
        let carol = try Self.join("carol", url, ["--listen"])
        defer { carol.stop() }
        #expect(await carol.waitForLine { Self.has($0, #""event":"mic""#, #""name":"alice""#, #""muted":true"#) } != nil)
        // Unmuted, open mode sends again.
        alice.send("mic on")
        #expect(await bob.waitForLine { Self.has($0, #""event":"mic""#, #""name":"alice""#, #""muted":false"#) } != nil)
        #expect(await carol.waitForLine { Self.has($0, #""event":"talk""#, "alice", #""on":true"#) } != nil)
        // A listener has no microphone to mute: said in words.
        bob.send("mic off")
        #expect(await bob.waitForLine { Self.has($0, #""event":"error""#, "listen-only") } != nil)
    }

    /// Two `ptt listen` without a name are two people in the room (a room has one name per person).
    @Test func twoDefaultListenersBothJoin() async throws {
        let (relay, port) = try await startRelay()
        defer { relay.stop() }
        let dir = try TemporaryDirectory()
        let listeners = try (0..<2).map { i in
            try ChildProcess("ptt", ["listen", "standup", "--relay", "ws://127.0.0.1:\(port)", "--json", "--out", dir.path("\(i).wav")],
                             environment: testALSAEnvironment)
        }
        defer { listeners.forEach { $0.stop() } }
        for l in listeners {
            #expect(await l.waitForLine { $0.contains(#""event":"ready""#) } != nil, "\(l.output) \(l.errorText)")
        }
        #expect(await listeners[0].waitForLine { Self.has($0, #""event":"joined""#, "listener-") } != nil)
    }

    /// `replay`: the last spurt heard plays again from what was received (nothing is sent), as
    /// long as it was, or faster with `fast`; `replays` lists what can be heard again.
    @Test func theLastSpurtCanBeHeardAgain() async throws {
        let (relay, port) = try await startRelay()
        defer { relay.stop() }
        let dir = try TemporaryDirectory()
        let speech = TestSignal.speechLike(seconds: 1.5, pad: 0.2)
        try TestSignal.writeWAV(speech, to: dir.path("alice.wav"))
        var env = testALSAEnvironment
        env["TEST_ALSA_OUT"] = dir.path("bob.raw")
        let bob = try ChildProcess("ptt", ["join", "standup", "bob", "--json", "--listen", "--relay", "ws://127.0.0.1:\(port)"], environment: env)
        defer { bob.stop() }
        #expect(await bob.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        bob.send("replay")
        #expect(await bob.waitForLine { Self.has($0, #""event":"error""#, "nothing-to-replay") } != nil)
        let send = try ChildProcess("ptt", ["send", "standup", "alice", dir.path("alice.wav"), "--relay", "ws://127.0.0.1:\(port)"])
        #expect(await send.waitForExit(timeout: .seconds(15)) == 0, "\(send.errorText)")
        #expect(await bob.waitForLine { Self.has($0, #""event":"talk""#, "alice", #""on":false"#) } != nil)
        try await Task.sleep(for: .seconds(1))
        bob.send("replays")
        #expect(await bob.waitForLine { Self.has($0, #""event":"replays""#, #""back":1"#, #""name":"alice""#) } != nil)

        // Heard again: from where the file is now, about 1.5 s of speech once more.
        func loudSpan(after start: Int) -> Int {
            let envelope = TestSignal.envelope(Array(TestSignal.read(dir.path("bob.raw")).dropFirst(start)))
            let loud = envelope.indices.filter { envelope[$0] > 500 }
            return (loud.last ?? 0) - (loud.first ?? 0)
        }
        var start = TestSignal.read(dir.path("bob.raw")).count
        bob.send("replay")
        #expect(await bob.waitForLine { Self.has($0, #""event":"replay""#, #""name":"alice""#, #""fast":false"#) } != nil)
        try await Task.sleep(for: .seconds(2.5))
        let normal = loudSpan(after: start)
        #expect((130...170).contains(normal), "replayed speech spans \(normal * 10) ms")
        start = TestSignal.read(dir.path("bob.raw")).count
        bob.send("replay 1 fast")
        #expect(await bob.waitForLine { Self.has($0, #""event":"replay""#, #""fast":true"#) } != nil)
        try await Task.sleep(for: .seconds(2.5))
        let fast = loudSpan(after: start)
        #expect(fast < normal - 20 && fast > 80, "fast replay spans \(fast * 10) ms against \(normal * 10) ms")
        bob.send("replay 3")
        #expect(await bob.waitForLine { Self.has($0, "nothing-to-replay", "1 heard") } != nil)
        bob.send("quit")
        #expect(await bob.waitForExit() == 0)
    }

    static func sent(_ line: String) -> Int64? {
        guard case .object(let o)? = try? JSONValue.parse(line), case .int(let n)? = o["sent_frames"] else { return nil }
        return n
    }

    @Test func aBusyFloorIsRefusedWithoutAPermitAndFreesWhenTheHolderStops() async throws {
        let (relay, port) = try await startRelay(["--floor", "single"])
        defer { relay.stop() }
        let url = "ws://127.0.0.1:\(port)"
        let alice = try Self.join("alice", url, ["--mode", "open"])
        defer { alice.stop() }
        #expect(await alice.waitForLine { Self.has($0, #""event":"transmit""#, #""on":true"#) } != nil)
        let bob = try Self.join("bob", url, [])
        defer { bob.stop() }
        #expect(await bob.waitForLine { Self.has($0, #""event":"talk""#, "alice", #""on":true"#) } != nil)
        bob.send("talk on")
        #expect(await bob.waitForLine { Self.has($0, #""event":"denied""#, #""reason":"busy""#, #""holder":"alice""#) } != nil)
        bob.send("talk off")
        // No permit before the refusal: bob never reported transmitting.
        try await Task.sleep(for: .milliseconds(300))
        #expect(!bob.output.contains { Self.has($0, #""event":"transmit""#, #""on":true"#) }, "\(bob.output)")
        // Alice stops (muting ends her spurt): the floor is free and bob's press goes through.
        alice.send("mic off")
        #expect(await bob.waitForLine { Self.has($0, #""event":"talk""#, "alice", #""on":false"#) } != nil)
        bob.send("talk on")
        #expect(await bob.waitForLine { Self.has($0, #""event":"transmit""#, #""on":true"#) } != nil)
        #expect(await alice.waitForLine { Self.has($0, #""event":"talk""#, "bob", #""on":true"#) } != nil)
        bob.send("talk off")
    }

    @Test func volumeIsRememberedPerPersonAndStatsNameEveryoneHeard() async throws {
        let (relay, port) = try await startRelay()
        defer { relay.stop() }
        let url = "ws://127.0.0.1:\(port)"
        let state = try TemporaryDirectory()
        let file = state.path("ptt/speakers.json")
        let bob = try Self.join("bob", url, ["--listen"], state: state.url.path)
        defer { bob.stop() }
        #expect(await bob.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        let alice = try Self.join("alice", url, ["--mode", "open"])
        #expect(await bob.waitForLine { Self.has($0, #""event":"talk""#, "alice", #""on":true"#) } != nil)
        bob.send("volume alice 50")
        #expect(await bob.waitForLine { Self.has($0, #""event":"speaker""#, #""name":"alice""#, #""present":true"#, #""volume":50"#) } != nil)
        // Someone not here (yet): remembered all the same.
        bob.send("silence mary ann on")
        #expect(await bob.waitForLine { Self.has($0, #""event":"speaker""#, #""name":"mary ann""#, #""present":false"#, #""silenced":true"#) } != nil)
        let saved = try SpeakerFile.read(file)
        #expect(saved["alice"]?.volume == 50 && saved["mary ann"]?.muted == true, "\(saved)")
        // Alice leaves: bob's stats still name her, marked as gone.
        try await Task.sleep(for: .milliseconds(500))
        alice.send("quit")
        #expect(await alice.waitForExit() == 0)
        #expect(await bob.waitForLine { Self.has($0, #""event":"left""#, "alice") } != nil)
        bob.send("stats")
        let stats = await bob.waitForLine { $0.contains(#""event":"stats""#) }
        #expect(stats.map { Self.has($0, #""name":"alice""#, #""left":true"#) } == true, "\(stats ?? "-")")
        bob.send("quit")
        #expect(await bob.waitForExit() == 0)

        // The next call reads them back (a change keeps the others).
        let again = try Self.join("bob", url, ["--listen"], state: state.url.path)
        defer { again.stop() }
        #expect(await again.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        again.send("volume alice 120")
        #expect(await again.waitForLine { $0.contains(#""event":"speaker""#) } != nil)
        let reread = try SpeakerFile.read(file)
        #expect(reread["alice"]?.volume == 120 && reread["mary ann"]?.muted == true, "\(reread)")
        again.send("quit")
        #expect(await again.waitForExit() == 0)

        // A file that is not settings is named, left as it is, and never written over.
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: file))
        let broken = try Self.join("bob", url, ["--listen"], state: state.url.path)
        defer { broken.stop() }
        #expect(await broken.waitForLine { Self.has($0, #""event":"error""#, "speaker-settings", "speakers.json") } != nil)
        #expect(await broken.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        broken.send("volume alice 30")
        #expect(await broken.waitForLine { $0.contains(#""event":"speaker""#) } != nil)
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: file)), as: UTF8.self) == "{ not json")
    }
}

/// Reads `speakers.json` as the test sees it (no ptt code): name → (volume, muted).
enum SpeakerFile {
    static func read(_ path: String) throws -> [String: (volume: Int64, muted: Bool)] {
        guard case .object(let o) = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path)))) else { return [:] }
        var out: [String: (volume: Int64, muted: Bool)] = [:]
        for (name, value) in o.entries {
            if case .object(let e) = value, case .int(let v)? = e["volume"], case .bool(let m)? = e["muted"] { out[name] = (v, m) }
        }
        return out
    }
}
