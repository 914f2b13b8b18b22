import Foundation
import Glibc
import Testing

/// `ptt send` into a room and `ptt listen --out` recording it, through a real relay.
@Suite(.serialized) struct SendListenTests {
    @Test func sentSpeechIsRecordedInOrder() async throws {
        let tmp = try TemporaryDirectory()
        let speech = TestSignal.speechLike(seconds: 2, pad: 0.2)
        // A 16 kHz stereo WAV: send must convert it.
        let rate = 16000
        let low = stride(from: 0, to: speech.count, by: 3).map { speech[$0] }
        try TestSignal.writeWAV(low.flatMap { [$0, $0] }, rate: rate, channels: 2, to: tmp.path("speech.wav"))

        let (relay, port) = try await startRelay()
        defer { relay.stop() }
        let url = "ws://127.0.0.1:\(port)"
        // The listeners' clocks start before they join; 8 s leaves room for a slow start and the
        // 2.4 s of speech sent at real-time pace.
        let wavOut = try ChildProcess("ptt", ["listen", "r", "--out", tmp.path("room.wav"), "--seconds", "8", "--relay", url, "--json"])
        let oggOut = try ChildProcess("ptt", ["listen", "r", "--name", "archive", "--out", tmp.path("room.opus"), "--seconds", "8", "--relay", url, "--json"])
        #expect(await wavOut.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        #expect(await oggOut.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        try await Task.sleep(for: .milliseconds(300))
        let send = try ChildProcess("ptt", ["send", "r", "alice", tmp.path("speech.wav"), "--relay", url])
        #expect(await send.waitForExit(timeout: .seconds(15)) == 0, "send: \(send.errorText)")
        #expect(await wavOut.waitForExit(timeout: .seconds(15)) == 0)
        #expect(await oggOut.waitForExit(timeout: .seconds(15)) == 0)
        #expect(wavOut.output.contains { $0.contains(#""event":"talk""#) && $0.contains(#""on":true"#) && $0.contains("alice") })
        #expect(wavOut.output.contains { $0.contains(#""event":"talk""#) && $0.contains(#""on":false"#) })

        let recorded = try TestSignal.readWAV(tmp.path("room.wav"))
        #expect(recorded.fileBytes > 4 * 48000 * 2)
        let (correlation, lag) = TestSignal.envelopeCorrelation(probe: speech, in: recorded.samples)
        #expect(correlation > 0.9, "envelope correlation \(correlation) at \(lag * 10) ms")

        let info = Process()
        info.executableURL = URL(fileURLWithPath: "/usr/bin/opusinfo")
        info.arguments = [tmp.path("room.opus")]
        info.standardOutput = FileHandle.nullDevice
        try info.run()
        info.waitUntilExit()
        #expect(info.terminationStatus == 0, "opusinfo rejected the Ogg Opus recording")
    }

    /// The relay goes away in the middle of a send: the rest cannot be sent, and that is an
    /// error (exit 1) saying how much went out, not a quiet success.
    @Test func sendSaysWhenTheRelayWentAwayMidFile() async throws {
        let tmp = try TemporaryDirectory()
        try TestSignal.writeWAV(TestSignal.speechLike(seconds: 6, pad: 0), to: tmp.path("long.wav"))
        let (relay, port) = try await startRelay()
        defer { relay.stop() }
        let send = try ChildProcess("ptt", ["send", "r", "alice", tmp.path("long.wav"), "--relay", "ws://127.0.0.1:\(port)", "--json"])
        defer { send.stop() }
        #expect(await send.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        try await Task.sleep(for: .seconds(1.5))
        relay.signal(SIGTERM)
        #expect(await send.waitForExit(timeout: .seconds(15)) == 1)
        #expect(send.errorText.contains("the connection to the relay was lost after "), "\(send.errorText)")
        #expect(send.errorText.contains(" of 6.0 s; the rest was not sent"), "\(send.errorText)")
    }

    /// A recording that can no longer be written (here: over the file size limit, as on a full
    /// disk) ends `ptt listen` with an error; what was written stays a valid WAV.
    @Test func listenEndsWhenTheRecordingCannotBeWritten() async throws {
        let tmp = try TemporaryDirectory()
        let speech = TestSignal.speechLike(seconds: 3, pad: 0.2)
        try TestSignal.writeWAV(speech, to: tmp.path("speech.wav"))
        let (relay, port) = try await startRelay()
        defer { relay.stop() }
        let url = "ws://127.0.0.1:\(port)"
        // 800 kB: about 8.3 s of 48 kHz 16-bit mono from the listener's start, room for the
        // speech sent after it joined. SIGXFSZ ignored, so the write fails instead.
        let ptt = ChildProcess.binDirectory.appendingPathComponent("ptt").path
        let listen = try ChildProcess("sh", ["-c", "trap '' XFSZ; exec prlimit --fsize=800000 \(ptt) listen r --out \(tmp.path("room.wav")) --relay \(url) --json"],
                                      absolute: "/bin/sh")
        defer { listen.stop() }
        #expect(await listen.waitForLine { $0.contains(#""event":"ready""#) } != nil, "\(listen.errorText)")
        let send = try ChildProcess("ptt", ["send", "r", "alice", tmp.path("speech.wav"), "--relay", url])
        defer { send.stop() }
        #expect(await listen.waitForExit(timeout: .seconds(20)) == 1)
        #expect(listen.errorText.contains("cannot write '\(tmp.path("room.wav"))': File too large; the recording so far is kept"),
                "\(listen.errorText)")
        let recorded = try TestSignal.readWAV(tmp.path("room.wav"))
        #expect(recorded.fileBytes > 700_000 && recorded.fileBytes + 44 <= 800_000)
        // The header counts the periods written whole (a partial last write may follow them).
        #expect(recorded.headerBytes > 700_000 && recorded.headerBytes % 2 == 0 && recorded.headerBytes <= recorded.fileBytes,
                "the WAV header says \(recorded.headerBytes) bytes of \(recorded.fileBytes)")
        // What was recorded holds the speech.
        let (correlation, _) = TestSignal.envelopeCorrelation(probe: speech, in: Array(recorded.samples.prefix(recorded.headerBytes / 2)))
        #expect(correlation > 0.9, "envelope correlation \(correlation)")
    }

    /// Ctrl-\ (SIGQUIT) ends a recording like Ctrl-C: the WAV header counts every byte.
    @Test func sigquitFinishesTheRecording() async throws {
        let tmp = try TemporaryDirectory()
        let (relay, port) = try await startRelay()
        defer { relay.stop() }
        let listen = try ChildProcess("ptt", ["listen", "r", "--out", tmp.path("room.wav"), "--relay", "ws://127.0.0.1:\(port)", "--json"])
        defer { listen.stop() }
        #expect(await listen.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        try await Task.sleep(for: .seconds(1))
        listen.signal(SIGQUIT)
        #expect(await listen.waitForExit() == 0, "\(listen.errorText)")
        #expect(!listen.errorText.contains("crashed"), "\(listen.errorText)")
        let recorded = try TestSignal.readWAV(tmp.path("room.wav"))
        #expect(recorded.fileBytes > 48_000 && recorded.headerBytes == recorded.fileBytes, "header \(recorded.headerBytes), file \(recorded.fileBytes)")
    }

    @Test func badFilesAreClearErrors() async throws {
        let missing = try ChildProcess("ptt", ["send", "r", "alice", "/nonexistent.wav"])
        #expect(await missing.waitForExit() == 1)
        #expect(missing.errorText.contains("cannot read '/nonexistent.wav'"))
        let dir = try ChildProcess("ptt", ["listen", "r", "--out", "/nonexistent-dir/x.wav", "--relay", "ws://127.0.0.1:9"])
        #expect(await dir.waitForExit() == 1)
        #expect(dir.errorText.contains("cannot write '/nonexistent-dir/x.wav': No such file or directory"), "\(dir.errorText)")
        let full = try ChildProcess("ptt", ["listen", "r", "--out", "/dev/full", "--relay", "ws://127.0.0.1:9"])
        #expect(await full.waitForExit() == 1)
        #expect(full.errorText.contains("cannot write '/dev/full': No space left on device"), "\(full.errorText)")
        let record = try ChildProcess("ptt", ["join", "r", "alice", "--json", "--record", "/nonexistent-dir/x.wav", "--relay", "ws://127.0.0.1:9"],
                                      environment: testALSAEnvironment)
        #expect(await record.waitForExit() == 1)
        #expect(record.errorText.contains("--record: cannot write '/nonexistent-dir/x.wav': No such file or directory"), "\(record.errorText)")
    }
}
