import Foundation
import Glibc
import PTTTestSupport
import Testing

/// `ptt scribe` and `ptt relay --captions` against real relays, with real speech sent by `ptt send`
/// (LibriVox utterances from Debian's pocketsphinx-testdata) and the real recognizer.
@Suite(.serialized) struct ScribeTests {
    static let librivox = "/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-"
    static let alice = (file: librivox + "0880.wav", words: "he was not an ill disposed young man")
    static let bob = (file: librivox + "0930.wav", words: "he might even have been made amiable himself")

    struct Caption: Equatable {
        var id: Int
        var name: String
        var text: String
    }

    /// The final captions among a client's JSON lines, in order.
    static func captions(_ lines: [String]) -> [Caption] {
        lines.compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  o["event"] as? String == "caption", o["final"] as? Bool == true,
                  let id = o["id"] as? Int, let name = o["name"] as? String, let text = o["text"] as? String else { return nil }
            return Caption(id: id, name: name, text: text)
        }
    }

    /// A member's id from a listener's `joined` events.
    static func id(of name: String, in lines: [String]) -> Int? {
        for line in lines {
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  o["event"] as? String == "joined", o["name"] as? String == name else { continue }
            return o["id"] as? Int
        }
        return nil
    }

    /// Words of `reference` found in order in `text`, as a share of the reference's words.
    static func recall(_ text: String, _ reference: String) -> Double {
        let h = text.split(separator: " "), r = reference.split(separator: " ")
        var table = Array(repeating: Array(repeating: 0, count: h.count + 1), count: r.count + 1)
        for i in 0..<r.count { for j in 0..<h.count {
            table[i + 1][j + 1] = r[i] == h[j] ? table[i][j] + 1 : max(table[i][j + 1], table[i + 1][j])
        } }
        return Double(table[r.count][h.count]) / Double(max(1, r.count))
    }

    /// Two members speak one after the other; a listener gets one caption each, in order, about
    /// the right member, with their words; the transcript has both lines.
    func captionsInOrder(url: String, tmp: TemporaryDirectory) async throws {
        let scribe = try ChildProcess("ptt", ["scribe", "standup", "--relay", url, "--json", "--transcripts", tmp.path("tx")])
        defer { scribe.stop() }
        let listener = try ChildProcess("ptt", ["listen", "standup", "--name", "carol", "--out", tmp.path("room.wav"), "--relay", url, "--json"])
        defer { listener.stop() }
        #expect(await scribe.waitForLine(timeout: .seconds(20)) { $0.contains(#""event":"ready""#) } != nil, "\(scribe.errorText)")
        #expect(await listener.waitForLine { $0.contains(#""event":"ready""#) } != nil, "\(listener.errorText)")
        for (name, speech) in [("alice", Self.alice), ("bob", Self.bob)] {
            let send = try ChildProcess("ptt", ["send", "standup", name, speech.file, "--relay", url])
            #expect(await send.waitForExit(timeout: .seconds(20)) == 0, "send: \(send.errorText)")
        }
        let second = await listener.waitForLine(timeout: .seconds(20)) { $0.contains(#""event":"caption""#) && $0.contains(#""name":"bob""#) }
        #expect(second != nil, "no caption of bob; scribe said: \(scribe.errorText)")
        let captions = Self.captions(listener.output)
        #expect(captions.map(\.name) == ["alice", "bob"])
        if captions.count == 2 {
            #expect(captions[0].id == Self.id(of: "alice", in: listener.output))
            #expect(captions[1].id == Self.id(of: "bob", in: listener.output))
            #expect(Self.recall(captions[0].text, Self.alice.words) >= 0.5, "\(captions[0].text)")
            #expect(Self.recall(captions[1].text, Self.bob.words) >= 0.5, "\(captions[1].text)")
        }
        scribe.signal(SIGINT)
        #expect(await scribe.waitForExit(timeout: .seconds(15)) == 0, "\(scribe.errorText)")
        #expect(scribe.errorText.contains("scribe: 2 spurts, 2 captions, 0 without words, 0 failed, 0 dropped"), "\(scribe.errorText)")
        // The transcript: one JSON line per spurt, today's file under the room.
        let days = try FileManager.default.contentsOfDirectory(atPath: tmp.path("tx/standup"))
        #expect(days.count == 1)
        let text = try String(contentsOfFile: tmp.path("tx/standup/\(days.first ?? "")/transcript.jsonl"), encoding: .utf8)
        let lines = text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == 2)
        #expect(lines.map { $0["name"] as? String } == ["alice", "bob"])
        #expect(lines.map { $0["text"] as? String } == captions.map(\.text))
        for line in lines {
            #expect(line["room"] as? String == "standup" && line["recognizer"] as? String == "pocketsphinx")
            let start = line["start"] as? String ?? "", end = line["end"] as? String ?? ""
            #expect(start.hasPrefix(days.first ?? "?") && start < end, "\(start) \(end)")
        }
    }

    @Test func theScribeCaptionsEachMemberInOrderThroughARelay() async throws {
        let tmp = try TemporaryDirectory()
        let (relay, port) = try await startRelay()
        defer { relay.stop() }
        try await captionsInOrder(url: "ws://127.0.0.1:\(port)", tmp: tmp)
    }

    @Test func theScribeCaptionsThroughAPlainForwarder() async throws {
        let tmp = try TemporaryDirectory()
        let forwarder = PlainForwarder()
        let port = try await forwarder.start()
        try await captionsInOrder(url: "ws://127.0.0.1:\(port)", tmp: tmp)
        await forwarder.stop()
    }

    /// A recognizer command that hangs is stopped after its timeout and the spurt skipped; the
    /// room is never held up, and the next spurt is recognized.
    @Test func aHangingEngineCommandIsStoppedAndTheRoomGoesOn() async throws {
        let tmp = try TemporaryDirectory()
        let (relay, port) = try await startRelay()
        defer { relay.stop() }
        let url = "ws://127.0.0.1:\(port)"
        // Hangs on the first spurt only: then counts the bytes it was given.
        let marker = tmp.path("hung")
        let command = "if [ -e \(marker) ]; then wc -c; else touch \(marker); cat >/dev/null; sleep 60; fi"
        let scribe = try ChildProcess("ptt", ["scribe", "standup", "--relay", url, "--json", "--engine-cmd", command, "--engine-timeout", "1", "--engines", "1"])
        defer { scribe.stop() }
        let listener = try ChildProcess("ptt", ["listen", "standup", "--name", "carol", "--out", tmp.path("room.wav"), "--relay", url, "--json"])
        defer { listener.stop() }
        #expect(await scribe.waitForLine { $0.contains(#""event":"ready""#) } != nil, "\(scribe.errorText)")
        #expect(await listener.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        let started = Date()
        let first = try ChildProcess("ptt", ["send", "standup", "alice", Self.alice.file, "--relay", url])
        #expect(await first.waitForExit(timeout: .seconds(20)) == 0)
        let second = try ChildProcess("ptt", ["send", "standup", "bob", Self.bob.file, "--relay", url])
        #expect(await second.waitForExit(timeout: .seconds(20)) == 0)
        // Both spurts were heard in real time: the hang held nothing up.
        #expect(Date().timeIntervalSince(started) < 12)
        #expect(listener.output.filter { $0.contains(#""event":"talk""#) && $0.contains(#""on":false"#) }.count == 2)
        let caption = await listener.waitForLine(timeout: .seconds(15)) { $0.contains(#""event":"caption""#) }
        #expect(caption != nil, "\(scribe.errorText)")
        let captions = Self.captions(listener.output)
        #expect(captions.map(\.name) == ["bob"])
        // 16 kHz, 2 bytes a sample: bob's 2.6 s spurt is about 83 kB.
        if let bytes = captions.first.flatMap({ Int($0.text) }) { #expect((60_000...120_000).contains(bytes), "\(bytes)") } else { Issue.record("caption \(captions)") }
        #expect(scribe.errorText.contains("the recognizer command ran past its 1 s and was stopped; alice's spurt of"), "\(scribe.errorText)")
    }

    /// `ptt relay --captions --record DIR`: a scribe joins the room while someone may talk,
    /// captions reach the listener, the transcript lands beside the recordings, and the scribe
    /// leaves once the room has only listeners.
    @Test func theRelayCaptionsEveryRoomBesideItsRecordings() async throws {
        let tmp = try TemporaryDirectory()
        let relay = try ChildProcess("ptt", ["relay", "--bind", "127.0.0.1:0", "--captions", "--captions-engine-cmd", "wc -c", "--record", tmp.path("rec")])
        defer { relay.stop() }
        guard let line = await relay.waitForLine(timeout: .seconds(15), { $0.hasPrefix("listening on ") }),
              let port = line.split(separator: ":").last.flatMap({ Int($0) }) else {
            throw TestFailure("relay did not start: \(relay.errorText)")
        }
        let url = "ws://127.0.0.1:\(port)"
        let listener = try ChildProcess("ptt", ["listen", "ops", "--name", "carol", "--out", tmp.path("room.wav"), "--relay", url, "--json"])
        defer { listener.stop() }
        #expect(await listener.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        try await Task.sleep(for: .milliseconds(500))
        #expect(!listener.output.contains { $0.contains(#""name":"scribe""#) }, "a scribe joined a room of listeners only")
        let send = try ChildProcess("ptt", ["send", "ops", "alice", Self.alice.file, "--relay", url])
        #expect(await send.waitForExit(timeout: .seconds(20)) == 0)
        #expect(await listener.waitForLine(timeout: .seconds(15)) { $0.contains(#""event":"caption""#) } != nil, "\(relay.errorText)")
        #expect(await listener.waitForLine(timeout: .seconds(10)) { $0.contains(#""event":"left""#) && $0.contains(#""name":"scribe""#) } != nil)
        let captions = Self.captions(listener.output)
        #expect(captions.map(\.name) == ["alice"])
        let days = try FileManager.default.contentsOfDirectory(atPath: tmp.path("rec/ops"))
        #expect(days.count == 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: tmp.path("rec/ops/\(days.first ?? "")"))
        #expect(files.contains("transcript.jsonl") && files.contains { $0.hasSuffix("-alice-\(captions.first?.id ?? 0).opus") }, "\(files)")
        let transcript = try String(contentsOfFile: tmp.path("rec/ops/\(days.first ?? "")/transcript.jsonl"), encoding: .utf8)
        #expect(transcript.contains(#""name":"alice""#) && transcript.contains(#""recognizer":"cmd:wc""#), "\(transcript)")
        relay.signal(SIGTERM)
        #expect(await relay.waitForExit(timeout: .seconds(15)) == 0)
    }
}
