import Foundation
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

        let recorded = try Data(contentsOf: URL(fileURLWithPath: tmp.path("room.wav")))
        #expect(recorded.count > 44 + 4 * 48000 * 2)
        let samples = recorded.dropFirst(44).withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        let (correlation, lag) = TestSignal.envelopeCorrelation(probe: speech, in: samples)
        #expect(correlation > 0.9, "envelope correlation \(correlation) at \(lag * 10) ms")

        let info = Process()
        info.executableURL = URL(fileURLWithPath: "/usr/bin/opusinfo")
        info.arguments = [tmp.path("room.opus")]
        info.standardOutput = FileHandle.nullDevice
        try info.run()
        info.waitUntilExit()
        #expect(info.terminationStatus == 0, "opusinfo rejected the Ogg Opus recording")
    }

    @Test func badFilesAreClearErrors() async throws {
        let missing = try ChildProcess("ptt", ["send", "r", "alice", "/nonexistent.wav"])
        #expect(await missing.waitForExit() == 1)
        #expect(missing.errorText.contains("cannot read '/nonexistent.wav'"))
        let dir = try ChildProcess("ptt", ["listen", "r", "--out", "/nonexistent-dir/x.wav", "--relay", "ws://127.0.0.1:9"])
        #expect(await dir.waitForExit() != 0)
        #expect(dir.errorText.contains("/nonexistent-dir/x.wav"))
    }
}
