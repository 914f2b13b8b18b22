import Glibc
import PTTAudio
import PTTProtocol
import PTTSystem
import Testing
@testable import PTTScribe

/// Real utterances with reference transcripts, from Debian's pocketsphinx-testdata.
enum LibriVox {
    static let directory = "/usr/share/pocketsphinx/test/data/librivox"
    static let short = "\(directory)/sense_and_sensibility_01_austen_64kb-0880.wav" // "he was not an ill disposed young man"

    /// The 16 kHz samples of a test recording (48 kHz from the file reader, every third kept
    /// after its low-pass: the reader resamples to 48 kHz exactly).
    static func samples16k(_ path: String) throws -> [Int16] {
        let bytes = try Posix.readFile(path, limit: 1 << 24)
        // A plain 44-byte PCM header (checked: 16-bit mono 16 kHz).
        #expect(bytes.count > 44 && Array(bytes[0..<4]) == Array("RIFF".utf8))
        return stride(from: 44, to: bytes.count - 1, by: 2).map { Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8) }
    }

    /// Words in common, in order (the longest common subsequence), over the reference's words.
    static func recall(_ hypothesis: String, _ reference: String) -> Double {
        let h = hypothesis.split(separator: " "), r = reference.split(separator: " ")
        var table = Array(repeating: Array(repeating: 0, count: h.count + 1), count: r.count + 1)
        for i in 1...max(1, r.count) where i <= r.count {
            for j in 1...max(1, h.count) where j <= h.count {
                table[i][j] = r[i - 1] == h[j - 1] ? table[i - 1][j - 1] + 1 : max(table[i - 1][j], table[i][j - 1])
            }
        }
        return r.isEmpty ? 0 : Double(table[r.count][h.count]) / Double(r.count)
    }
}

@Suite struct PocketSphinxEngineTests {
    @Test func recognizesAKnownRecording() throws {
        let engine = try PocketSphinxEngine(model: .debianEnglish)
        let samples = try LibriVox.samples16k(LibriVox.short)
        try engine.begin()
        // Fed as a scribe feeds it: 20 ms at a time.
        for start in stride(from: 0, to: samples.count, by: 320) { try engine.feed(Array(samples[start..<min(start + 320, samples.count)])) }
        let text = try engine.finish()
        // The recognizer's own result for this file is "he was not an illness those young man".
        #expect(LibriVox.recall(text, "he was not an ill disposed young man") >= 0.6, "\(text)")
        #expect(text.hasPrefix("he was not"), "\(text)")
        // A second utterance on the same engine starts clean.
        try engine.begin()
        try engine.feed([Int16](repeating: 0, count: 16_000))
        #expect(try engine.finish() == "")
    }

    @Test func throughOpusTheWordsSurvive() throws {
        let samples = try LibriVox.samples16k(LibriVox.short)
        // Sent as ptt sends: 48 kHz, 20 ms Opus frames; decoded at 16 kHz as the scribe does.
        let at48k = samples.flatMap { [$0, $0, $0] } // held samples: Opus's low-pass removes the images
        let encoder = try OpusEncoder()
        let decoder = try OpusDecoder(sampleRate: 16_000)
        let engine = try PocketSphinxEngine(model: .debianEnglish)
        try engine.begin()
        for start in stride(from: 0, to: at48k.count - 960, by: 960) {
            let packet = try encoder.encode(Array(at48k[start..<start + 960]))
            let decoded = try decoder.decode(packet)
            #expect(decoded.count == 320)
            try engine.feed(decoded)
        }
        let text = try engine.finish()
        #expect(LibriVox.recall(text, "he was not an ill disposed young man") >= 0.5, "\(text)")
    }

    @Test func aMissingModelIsNamed() {
        var model = PocketSphinxModel.debianEnglish
        model.languageModel = "/nonexistent/en-us.lm.bin"
        #expect {
            _ = try PocketSphinxEngine(model: model)
        } throws: { error in
            (error as? RecognizerError)?.message.contains("/nonexistent/en-us.lm.bin is missing") == true
        }
    }
}

@Suite struct CommandEngineTests {
    static let second: UInt64 = 1_000_000_000

    @Test func theCommandGetsTheSamplesAndItsOutputIsTheText() throws {
        let engine = CommandEngine(command: "wc -c | sed 's/^/bytes /'", timeout: 10 * Self.second)
        #expect(engine.name == "cmd:wc")
        try engine.begin()
        try engine.feed([Int16](repeating: 1, count: 16_000))
        try engine.feed([Int16](repeating: 2, count: 100))
        #expect(try engine.finish() == "bytes 32200")
        // Little-endian S16: the bytes of 1 are 01 00.
        let dump = CommandEngine(command: "od -An -tx1 | head -1", timeout: 10 * Self.second)
        try dump.begin()
        try dump.feed([1, 258])
        #expect(try dump.finish() == "01 00 02 01")
    }

    @Test func aFailingCommandIsReportedWithWhatItSaid() throws {
        let engine = CommandEngine(command: "cat >/dev/null; echo 'no model loaded' >&2; exit 3", timeout: 10 * Self.second)
        try engine.begin()
        try engine.feed([Int16](repeating: 0, count: 1000))
        #expect {
            _ = try engine.finish()
        } throws: { error in
            (error as? RecognizerError)?.message == "the recognizer command exited with status 3: no model loaded"
        }
    }

    @Test func aCommandThatDoesNotReadItsInputStillEnds() throws {
        // Exits at once: writing the rest fails with EPIPE, which must not end the test process.
        let engine = CommandEngine(command: "echo hello", timeout: 10 * Self.second)
        try engine.begin()
        try engine.feed([Int16](repeating: 0, count: 16_000 * 10))
        #expect(try engine.finish() == "hello")
    }

    @Test func aHangingCommandIsKilledWithEverythingItStarted() throws {
        let marker = "/tmp/ptt-scribe-hang-\(getpid())"
        defer { unlink(marker) }
        // A child in the background that would write the marker after 3 s: killed with the group.
        let engine = CommandEngine(command: "(sleep 3; touch \(marker)) & cat >/dev/null; sleep 30", timeout: Self.second / 2)
        try engine.begin()
        try engine.feed([Int16](repeating: 0, count: 1600))
        let start = MonotonicClock.now()
        #expect {
            _ = try engine.finish()
        } throws: { error in
            (error as? RecognizerError)?.message == "the recognizer command ran past its 0.5 s and was stopped"
        }
        let took = MonotonicClock.now() - start
        #expect(took < 3 * Self.second, "took \(took / 1_000_000) ms")
        MonotonicClock.sleep(nanos: 3_500_000_000)
        #expect(access(marker, F_OK) != 0, "the command's background child outlived the timeout")
    }
}
