import Foundation
import PTTAudioCore
import PTTRecordingCore

/// Test signals as raw S16LE mono 48 kHz, the format the ALSA file plugin passes through.
enum TestSignal {
    /// A voice-like signal: a tone (220 Hz by default) with harmonics, amplitude-modulated at 3 Hz
    /// (syllables), `seconds` long, with `pad` seconds of silence before and after.
    static func speechLike(seconds: Double, pad: Double, pitch: Double = 220, syllablesPerSecond: Double = 3) -> [Int16] {
        let rate = 48000.0
        let n = Int(seconds * rate), p = Int(pad * rate)
        var out = [Int16](repeating: 0, count: p)
        for i in 0..<n {
            let t = Double(i) / rate
            let envelope = 0.5 + 0.5 * sin(2 * .pi * syllablesPerSecond * t)
            let tone = sin(2 * .pi * pitch * t) + 0.5 * sin(2 * .pi * 2 * pitch * t) + 0.25 * sin(2 * .pi * 3 * pitch * t + 1)
            out.append(Int16(max(-32767, min(32767, 9000 * envelope * tone))))
        }
        out += [Int16](repeating: 0, count: p)
        return out
    }

    static func write(_ samples: [Int16], to path: String) throws {
        let data = samples.withUnsafeBufferPointer { Data(buffer: $0) }
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// Writes interleaved S16LE `samples` as a WAV file.
    static func writeWAV(_ samples: [Int16], rate: Int = 48000, channels: Int = 1, to path: String) throws {
        var wav = Data(WAVHeader.bytes(sampleRate: rate, channels: channels, dataBytes: samples.count * 2))
        samples.withUnsafeBufferPointer { wav += Data(buffer: $0) }
        try wav.write(to: URL(fileURLWithPath: path))
    }

    static func read(_ path: String) -> [Int16] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return data.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
    }

    /// A 16-bit WAV with the canonical 44-byte header, as ptt and opusdec write it: the data size
    /// its header gives, the bytes after the header, and those bytes as samples.
    static func readWAV(_ path: String) throws -> (headerBytes: Int, fileBytes: Int, samples: [Int16]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard data.count >= WAVHeader.size else { throw TestFailure("\(path): \(data.count) bytes, no WAV header") }
        let header = data[data.startIndex + 40 ..< data.startIndex + 44].withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self))) }
        let samples = data.dropFirst(WAVHeader.size).withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        return (header, data.count - WAVHeader.size, samples)
    }

    static func rms(_ s: ArraySlice<Int16>) -> Double {
        guard !s.isEmpty else { return 0 }
        return (s.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(s.count)).squareRoot()
    }

    /// RMS of consecutive 10 ms blocks: the energy envelope.
    static func envelope(_ s: [Int16], block: Int = 480) -> [Double] {
        stride(from: 0, to: s.count - block + 1, by: block).map { rms(s[$0..<$0 + block]) }
    }

    /// The best Pearson correlation of `probe`'s envelope inside `signal`'s envelope, and the
    /// lag in 10 ms blocks. Speech through a codec keeps its envelope even where the waveform's
    /// phase moves, so this tells "the same speech, in order" from noise or silence.
    static func envelopeCorrelation(probe: [Int16], in signal: [Int16]) -> (correlation: Double, lagBlocks: Int) {
        let p = envelope(probe), x = envelope(signal)
        guard x.count >= p.count, p.count > 1 else { return (0, 0) }
        return best(p[...], in: x, lags: 0...(x.count - p.count))
    }

    /// `envelopeCorrelation` for speech that went through a live receive path, where a late
    /// frame's concealment can move the rest of a spurt a few blocks later: the probe's envelope
    /// is cut into pieces of `piece` blocks; for each place of the first piece, each next piece
    /// is found from 2 blocks earlier to `slack` blocks later than right after the piece before.
    /// Returns the best mean of the pieces' correlations and where the first piece lies.
    static func piecewiseEnvelopeCorrelation(probe: [Int16], in signal: [Int16], piece: Int = 50,
                                             slack: Int = 15) -> (correlation: Double, lagBlocks: Int) {
        let p = envelope(probe), x = envelope(signal)
        guard x.count >= p.count, p.count > 1 else { return (0, 0) }
        var starts = Array(stride(from: 0, to: p.count, by: piece))
        if starts.count > 1, p.count - starts.last! < piece / 5 { starts.removeLast() }  // a sliver joins the piece before
        let pieces = starts.indices.map { p[starts[$0]..<($0 + 1 < starts.count ? starts[$0 + 1] : p.count)] }
        var result = (0.0, 0)
        for anchor in 0...(x.count - p.count) {
            var total = pearson(x[anchor..<anchor + pieces[0].count], pieces[0]), place = anchor
            for i in 1..<pieces.count {
                let next = place + pieces[i - 1].count, last = x.count - pieces[i].count
                guard next - 2 <= last else { total = 0; break }
                let found = best(pieces[i], in: x, lags: max(0, next - 2)...min(last, next + slack))
                total += found.correlation
                place = found.lagBlocks
            }
            if total / Double(pieces.count) > result.0 { result = (total / Double(pieces.count), anchor) }
        }
        return result
    }

    /// The best Pearson correlation of `piece` against `x` at the offsets in `lags`.
    static func best(_ piece: ArraySlice<Double>, in x: [Double], lags: ClosedRange<Int>) -> (correlation: Double, lagBlocks: Int) {
        var best = (0.0, lags.lowerBound)
        for lag in lags where lag + piece.count <= x.count {
            let c = pearson(x[lag..<lag + piece.count], piece)
            if c > best.0 { best = (c, lag) }
        }
        return best
    }

    static func pearson(_ a: ArraySlice<Double>, _ b: ArraySlice<Double>) -> Double {
        let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
        var num = 0.0, da = 0.0, db = 0.0
        for (u, v) in zip(a, b) {
            num += (u - ma) * (v - mb)
            da += (u - ma) * (u - ma)
            db += (v - mb) * (v - mb)
        }
        return da > 0 && db > 0 ? num / (da * db).squareRoot() : 0
    }
}
