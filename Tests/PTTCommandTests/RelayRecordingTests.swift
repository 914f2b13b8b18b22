import Foundation
import PTTProtocol
import PTTTestSupport
import Testing

/// `ptt-relay --record DIR`, `/stats` and the dashboard, against a scripted session:
/// alice says 2 s, bob says 1 s, both leave.
@Suite(.serialized) struct RelayRecordingTests {
    func run(_ tool: String, _ args: [String]) throws -> (Int32, String) { try runTool(tool, args) }

    /// curl against the relay on 127.0.0.1: never through a proxy from the environment, never for long.
    func curl(_ args: [String]) throws -> (Int32, String) {
        try run("/usr/bin/curl", ["-s", "--noproxy", "*", "--max-time", "10"] + args)
    }

    @Test func spurtsTelemetryStatsAndDashboard() async throws {
        let tmp = try TemporaryDirectory()
        let alice = TestSignal.speechLike(seconds: 2, pad: 0)
        let bob = TestSignal.speechLike(seconds: 1, pad: 0, pitch: 330, syllablesPerSecond: 5)
        try TestSignal.writeWAV(alice, to: tmp.path("alice.wav"))
        try TestSignal.writeWAV(bob, to: tmp.path("bob.wav"))
        let record = tmp.path("rec")
        let (relay, port) = try await startRelay(["--record", record, "--stats-token", "teach"])
        defer { relay.stop() }
        let url = "ws://127.0.0.1:\(port)"
        for (name, file) in [("alice", "alice.wav"), ("bob", "bob.wav")] {
            let send = try ChildProcess("ptt", ["send", "class", name, tmp.path(file), "--relay", url])
            #expect(await send.waitForExit(timeout: .seconds(15)) == 0, "\(send.errorText)")
        }
        // The recorder writes behind the relay: wait (at most 5 s) for the last telemetry line,
        // bob's leave, written after his spurt's file was completed.
        _ = await eventually(timeout: .seconds(5), every: .milliseconds(20)) {
            let day = (try? FileManager.default.contentsOfDirectory(atPath: record + "/class"))?.first ?? ""
            let log = (try? String(contentsOfFile: "\(record)/class/\(day)/telemetry.jsonl", encoding: .utf8)) ?? ""
            return log.split(separator: "\n").count >= 8
        }

        // One Ogg Opus file per spurt, named with time and speaker, accepted by opusinfo and
        // decoding back to what was said.
        let days = try FileManager.default.contentsOfDirectory(atPath: record + "/class")
        #expect(days.count == 1)
        let dir = record + "/class/" + (days.first ?? "")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        let spurts = files.filter { $0.hasSuffix(".opus") }
        #expect(spurts.count == 2)
        #expect(spurts.first?.contains("-alice-") == true && spurts.last?.contains("-bob-") == true)
        for (file, said) in zip(spurts, [alice, bob]) {
            let (status, info) = try run("/usr/bin/opusinfo", [dir + "/" + file])
            #expect(status == 0, "opusinfo: \(info)")
            #expect(!info.contains("WARNING"), "\(info)")
            let (decoded, _) = try run("/usr/bin/opusdec", ["--quiet", "--rate", "48000", dir + "/" + file, tmp.path("d.wav")])
            #expect(decoded == 0)
            let samples = try TestSignal.readWAV(tmp.path("d.wav")).samples
            // The same length within a frame, and the same speech.
            #expect(abs(samples.count - said.count) <= 960, "\(file): \(samples.count) samples for \(said.count)")
            #expect(TestSignal.envelopeCorrelation(probe: Array(said.prefix(samples.count - 960)), in: samples).correlation > 0.9)
        }

        // Telemetry: the scripted session, in order.
        let lines = try String(contentsOfFile: dir + "/telemetry.jsonl", encoding: .utf8).split(separator: "\n")
        let events = lines.compactMap { line -> (String, String)? in
            guard case .object(let o)? = try? JSONValue.parse(String(line)),
                  case .string(let e)? = o["event"], case .string(let n)? = o["name"] else { return nil }
            return (e, n)
        }
        #expect(events.map { "\($0.0) \($0.1)" } == ["join alice", "talk_start alice", "talk_stop alice", "leave alice",
                                                     "join bob", "talk_start bob", "talk_stop bob", "leave bob"])

        // Statistics need the token; they match the session.
        let (_, code) = try curl(["-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/stats"])
        #expect(code == "401")
        let (_, body) = try curl(["-H", "Authorization: Bearer teach", "http://127.0.0.1:\(port)/stats"])
        guard case .object(let stats)? = try? JSONValue.parse(body), case .array(let rooms)? = stats["rooms"],
              case .object(let room)? = rooms.first, case .array(let members)? = room["members"] else {
            Issue.record("bad /stats: \(body)"); return
        }
        func seconds(_ v: JSONValue?) -> Double { if case .number(let t)? = v { return Double(t) ?? -1 } else { return -1 } }
        var byName: [String: JSONObject] = [:]
        for case .object(let m) in members { if case .string(let n)? = m["name"] { byName[n] = m } }
        // Talk time is the relay's bookkeeping from START to END by its own clock: a stall of the
        // sender or the relay at either end of a spurt moves it, so 0.3 s of slack.
        #expect(abs(seconds(byName["alice"]?["talk_seconds"]) - 2) < 0.3, "\(body)")
        #expect(abs(seconds(byName["bob"]?["talk_seconds"]) - 1) < 0.3, "\(body)")
        #expect(byName["alice"]?["spurts"] == .int(1))
        let aliceTalk = seconds(byName["alice"]?["talk_seconds"]), bobTalk = seconds(byName["bob"]?["talk_seconds"])
        #expect(abs(seconds(byName["alice"]?["share"]) - aliceTalk / (aliceTalk + bobTalk)) < 0.01, "\(body)")

        // The dashboard, rendered by a real browser, names both speakers.
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let chromium else { Issue.record("chromium is not installed (make deps installs it)"); return }
        let page = "http://127.0.0.1:\(port)/?token=teach"
        let flags = ["--headless", "--no-sandbox", "--no-proxy-server", "--disable-gpu", "--disable-dev-shm-usage",
                     "--user-data-dir=\(tmp.path("chrome"))"]
        let (domStatus, dom) = try run(chromium, flags + ["--dump-dom", page])
        #expect(domStatus == 0)
        #expect(dom.contains(#"data-member="alice""#) && dom.contains(#"data-member="bob""#), "\(dom.prefix(2000))")
        #expect(dom.contains(#"data-room="class""#))
        let shot = tmp.path("dashboard.png")
        _ = try run(chromium, flags + ["--window-size=1000,700", "--screenshot=\(shot)", page])
        let png = try Data(contentsOf: URL(fileURLWithPath: shot))
        #expect(png.count > 5000 && png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "screenshot of \(png.count) bytes")
    }

    /// A relay killed in the middle of a spurt leaves a file that decodes up to the last page
    /// written (only the end-of-stream flag is missing, as for a live stream).
    @Test func spurtCutByKillIsStillPlayable() async throws {
        let tmp = try TemporaryDirectory()
        try TestSignal.writeWAV(TestSignal.speechLike(seconds: 4, pad: 0), to: tmp.path("long.wav"))
        let record = tmp.path("rec")
        let (relay, port) = try await startRelay(["--record", record])
        let send = try ChildProcess("ptt", ["send", "r", "alice", tmp.path("long.wav"), "--relay", "ws://127.0.0.1:\(port)"])
        defer { send.stop() }
        // The spurt's file is created when it starts; kill the relay 1.5 s into it.
        func recording() -> (dir: String, file: String)? {
            guard let day = try? FileManager.default.contentsOfDirectory(atPath: record + "/r").first,
                  let file = try? FileManager.default.contentsOfDirectory(atPath: record + "/r/" + day).first(where: { $0.hasSuffix(".opus") })
            else { return nil }
            return (record + "/r/" + day, file)
        }
        _ = await eventually(timeout: .seconds(10)) { recording() != nil }
        try await Task.sleep(for: .seconds(1.5))
        relay.signal(SIGKILL)
        await relay.waitForExit()
        guard let (dir, file) = recording() else { Issue.record("no recording under \(record)"); return }
        let (status, _) = try run("/usr/bin/opusdec", ["--quiet", "--rate", "48000", dir + "/" + file, tmp.path("d.wav")])
        #expect(status == 0)
        let decoded = (try Data(contentsOf: URL(fileURLWithPath: tmp.path("d.wav")))).count - 44
        #expect(decoded >= 2 * 48000 * 1, "only \(decoded / 96) ms decoded")
    }

    /// Recording into a place that cannot be written: counted and logged, relaying goes on.
    @Test func unwritableRecordingDirectoryDoesNotStopRelaying() async throws {
        let tmp = try TemporaryDirectory()
        try Data("not a directory".utf8).write(to: URL(fileURLWithPath: tmp.path("file")))
        try TestSignal.writeWAV(TestSignal.speechLike(seconds: 1, pad: 0), to: tmp.path("s.wav"))
        let (relay, port) = try await startRelay(["--record", tmp.path("file/rec")])
        defer { relay.stop() }
        let url = "ws://127.0.0.1:\(port)"
        let listen = try ChildProcess("ptt", ["listen", "r", "--json", "--seconds", "4", "--out", tmp.path("heard.wav"), "--relay", url])
        #expect(await listen.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        let send = try ChildProcess("ptt", ["send", "r", "alice", tmp.path("s.wav"), "--relay", url])
        #expect(await send.waitForExit(timeout: .seconds(10)) == 0)
        #expect(await listen.waitForExit(timeout: .seconds(10)) == 0)
        #expect(listen.output.contains { $0.contains(#""event":"talk""#) && $0.contains("alice") })
        let (_, metrics) = try curl(["http://127.0.0.1:\(port)/metrics"])
        let errors = metrics.split(separator: "\n").first { $0.hasPrefix("ptt_relay_recording_errors_total ") }
        #expect(errors.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0 > 0, "\(errors ?? "no counter")")
        #expect(relay.errorText.contains("recording failed; relaying goes on"))
    }
}
