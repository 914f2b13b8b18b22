import Glibc
import PTTAudioCore
import PTTRecordingCore
import Testing
@testable import PTTAudio

/// Reading WAV and Ogg Opus files and writing them as playback devices, checked against
/// real tools (opusinfo, opusdec) where they are installed by `make deps`.
@Suite struct AudioFileTests {
    func sine(_ hz: Double, rate: Int, seconds: Double, amplitude: Double = 8000) -> [Int16] {
        (0..<Int(Double(rate) * seconds)).map { Int16(amplitude * sin(2 * .pi * hz * Double($0) / Double(rate))) }
    }

    func writeWAV(_ path: String, rate: Int, channels: Int, samples: [Int16]) throws {
        var bytes = WAVHeader.bytes(sampleRate: rate, channels: channels, dataBytes: samples.count * 2)
        samples.withUnsafeBufferPointer { bytes += Array(UnsafeRawBufferPointer($0)) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(fd) }
        #expect(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count)
    }

    func run(_ command: String) -> Int32 {
        let status = system(command + " >/dev/null 2>&1")
        return (status >> 8) & 0xFF
    }

    @Test func readsAnyWAVAs48kMono() throws {
        let path = TestALSA.tempPath("in22k.wav")
        defer { unlink(path) }
        let mono = sine(440, rate: 22050, seconds: 1)
        let stereo = mono.flatMap { [$0, $0] }
        try writeWAV(path, rate: 22050, channels: 2, samples: stereo)
        let out = try AudioFile.read48kMono(path)
        #expect(abs(out.count - 48000) <= 3)
        let level = AudioLevel(measuring: out[4800..<43200])
        #expect(abs(level.rms * 32768 - 8000 / 2.squareRoot()) < 200)
    }

    /// Every sample format ptt reads, made by sox: float WAVs (32 and 64 bits; sox writes them
    /// with the plain format tag) and 8/24/32-bit integers (24 and 32 with extensible headers).
    @Test(arguments: [("floating-point", "32", "2"), ("floating-point", "64", "1"), ("floating-point", "32", "3"),
                      ("unsigned-integer", "8", "1"), ("signed-integer", "24", "2"), ("signed-integer", "32", "1")])
    func readsEverySampleFormat(encoding: String, bits: String, channels: String) throws {
        let path = TestALSA.tempPath("\(encoding)\(bits)-\(channels).wav")
        defer { unlink(path) }
        try #require(run("sox -n -r 44100 -c \(channels) -e \(encoding) -b \(bits) \(path) synth 1 sine 440 vol 0.25") == 0,
                     "sox could not write the WAV")
        let out = try AudioFile.read48kMono(path)
        #expect(abs(out.count - 48000) <= 3)
        let level = AudioLevel(measuring: out[4800..<43200])
        // (8 bits: about -48 dB of quantisation noise on top)
        #expect(abs(level.rms * 32768 - 0.25 * 32768 / 2.squareRoot()) < 200, "rms \(level.rms * 32768)")
    }

    @Test func aFormatOutOfRangeSaysWhatIsRead() throws {
        let path = TestALSA.tempPath("384k.wav")
        defer { unlink(path) }
        try writeWAV(path, rate: 384_000, channels: 1, samples: sine(440, rate: 384_000, seconds: 0.1))
        do {
            _ = try AudioFile.read48kMono(path)
            Issue.record("read a 384 kHz file")
        } catch {
            #expect("\(error)".contains("384000 Hz, 1 channel, 16-bit integer (ptt reads 4000 to 192000 Hz, 1 to 8 channels"), "\(error)")
        }
    }

    @Test func refusesWhatItCannotRead() throws {
        let path = TestALSA.tempPath("junk.wav")
        defer { unlink(path) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = "not audio at all".withCString { write(fd, $0, 16) }
        close(fd)
        #expect(throws: AudioFile.ReadError.self) { try AudioFile.read48kMono(path) }
        #expect(throws: AudioFile.ReadError.self) { try AudioFile.read48kMono("/nonexistent/x.wav") }
    }

    @Test func wavOutputHasTheRightSizes() throws {
        let path = TestALSA.tempPath("out.wav")
        defer { unlink(path) }
        let out = try FileOutput(path: path, format: .wav)
        for _ in 0..<100 { try out.write([Int16](repeating: 1234, count: 480)) }
        out.close()
        let back = try AudioFile.read48kMono(path)
        #expect(back.count == 48000)
        #expect(back.allSatisfy { $0 == 1234 })
        if run("command -v soxi") == 0 { #expect(run("soxi \(path)") == 0) }
    }

    @Test func oggOpusOutputIsAValidFileThatDecodesBack() throws {
        let path = TestALSA.tempPath("out.opus")
        defer { if getenv("PTT_KEEP_TEST_FILES") == nil { unlink(path) } }
        let signal = sine(300, rate: 48000, seconds: 2)
        let out = try FileOutput(path: path, format: .oggOpus(OpusSettings()))
        for i in stride(from: 0, to: signal.count, by: 480) { try out.write(Array(signal[i..<i + 480])) }
        out.close()
        let back = try AudioFile.read48kMono(path)
        // Pre-skip removed, the last frame padded: the same length within one frame.
        #expect(abs(back.count - signal.count) <= 960)
        let level = AudioLevel(measuring: back[9600..<86400])
        #expect(abs(level.rms * 32768 - 8000 / 2.squareRoot()) < 600)
        #expect(run("opusinfo \(path)") == 0, "opusinfo rejected the file")
        #expect(run("opusdec --quiet \(path) /dev/null") == 0, "opusdec could not decode the file")
    }
}
