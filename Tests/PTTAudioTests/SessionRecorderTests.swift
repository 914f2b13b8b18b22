import Glibc
import PTTProtocol
import Testing
@testable import PTTAudio

@Suite struct SessionRecorderTests {
    /// Played periods (stereo, downmixed) and the user's own frames end up in the file, mixed
    /// sample for sample, and `finish` writes everything queued.
    @Test func recordsPlayedMixPlusOwnSpeech() throws {
        let path = TestALSA.tempPath("session-recorder.wav")
        defer { unlink(path) }
        let recorder = try SessionRecorder(path: path, format: .wav)
        // 30 periods of 10 ms: left 1000, right 3000 (mono 2000).
        let period = (0..<480).flatMap { _ in [Int16(1000), Int16(3000)] }
        let encoder = try OpusEncoder()
        let own = Signals.tone(440, seconds: 0.04, amplitude: 4000)
        var frames: [Transmitter.Frame] = []
        for i in 0..<2 {
            let payload = try encoder.encode(Array(own[(i * 960)..<((i + 1) * 960)]))
            let flags: AudioFrame.Flags = i == 0 ? .start : .end
            frames.append(Transmitter.Frame(payload: payload, seq: UInt16(i), flags: flags))
        }
        let decoder = try OpusDecoder()
        let ownDecoded = try frames.flatMap { try decoder.decode($0.payload) }
        for f in frames { recorder.sent(f) }
        for _ in 0..<30 { recorder.played(period, channels: 2) }
        recorder.finish()
        #expect(recorder.failure == nil)
        #expect(recorder.droppedSamples == 0 && recorder.droppedFrames == 0)
        // Once finished, nothing more is taken.
        recorder.played(period, channels: 2)
        let back = try AudioFile.read48kMono(path)
        #expect(back.count == 30 * 480)
        var expected = [Int16](repeating: 2000, count: 30 * 480)
        for (i, s) in ownDecoded.enumerated() { expected[i] = Int16(clamping: 2000 + Int(s)) }
        #expect(back == expected)
    }
}
