// Measurements for BENCHMARKS.md (`make bench-scribe`): PocketSphinx on 16 kHz mono WAV files
// directly, as the baseline the scribe's Opus path is compared with. For each file, one line:
// `FILE<TAB>SECONDS_OF_SPEECH<TAB>ENGINE_SECONDS<TAB>TEXT`.
import Glibc
import PTTScribe
import PTTSystem

func samples(_ path: String) throws -> [Int16] {
    let bytes = try Posix.readFile(path, limit: 1 << 26)
    // These files carry a plain 44-byte header; anything else is refused rather than misread.
    guard bytes.count > 44, Array(bytes[0..<4]) == Array("RIFF".utf8), bytes[22] == 1, bytes[24] == 0x80, bytes[25] == 0x3E else {
        throw RecognizerError("\(path) is not a 16 kHz mono WAV")
    }
    return stride(from: 44, to: bytes.count - 1, by: 2).map { Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8) }
}

do {
    let engine = try PocketSphinxEngine(model: .debianEnglish)
    for path in CommandLine.arguments.dropFirst() {
        let pcm = try samples(path)
        let start = MonotonicClock.now()
        try engine.begin()
        for i in stride(from: 0, to: pcm.count, by: 320) { try engine.feed(Array(pcm[i..<min(i + 320, pcm.count)])) }
        let text = try engine.finish()
        let took = Double(MonotonicClock.now() - start) / 1e9
        print("\(path)\t\(Double(pcm.count) / 16_000)\t\(took)\t\(text)")
    }
} catch {
    try? Posix.writeAll(2, "PTTScribeBench: \(error)\n")
    exit(1)
}
