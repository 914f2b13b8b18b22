@testable import PTTAudioCore
import PTTProtocol

/// Deterministic test material: synthetic speech and measures on it. The
/// standard library has no `sin`: the core's own `AudioMath` serves (accurate to 1e-12); random
/// numbers are `SplitMix64`'s.

enum TestSignal {
    static let rate = 48_000.0

    static func clip(_ v: Double) -> Int16 { Int16(max(-32768, min(32767, v.rounded()))) }

    /// A vowel-like harmonic tone: fundamental `f0` with vibrato (`depth` as a fraction, `vibrato`
    /// Hz), eight harmonics falling as 1/k, peak near `amplitude` of full scale. `envelope`
    /// scales the amplitude over time (seconds) and `timeScale` runs the slow parts (vibrato,
    /// envelope) that much faster while the pitch follows them: a naturally faster utterance.
    static func voiced(count: Int, f0: Double = 150, depth: Double = 0.015, vibrato: Double = 5,
                       amplitude: Double = 0.3, envelope: (Double) -> Double = { _ in 1 },
                       timeScale: Double = 1) -> [Int16] {
        var phase = 0.0
        var out = [Int16]()
        out.reserveCapacity(count)
        for n in 0..<count {
            let t = Double(n) / rate * timeScale
            var v = 0.0
            for k in 1...8 { v += AudioMath.sin(Double(k) * phase) / Double(k) }
            out.append(clip(v / 2.2 * amplitude * 32768 * envelope(t)))
            phase += 2 * .pi * f0 * (1 + depth * AudioMath.sin(2 * .pi * vibrato * t)) / rate
        }
        return out
    }

    /// Glottal-like pulses every `period` samples, each a decaying 700 Hz resonance.
    static func pulseTrain(count: Int, period: Int = 320, amplitude: Double = 0.4) -> [Int16] {
        let response = (0..<period).map { n in AudioMath.exp(-Double(n) / 60) * AudioMath.sin(2 * .pi * 700 * Double(n) / rate) }
        return (0..<count).map { clip(response[$0 % period] * amplitude * 32768) }
    }

    static func noise(count: Int, amplitude: Double, seed: UInt64 = 1) -> [Int16] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in clip((random.unit() * 2 - 1) * amplitude * 32768) }
    }

    /// Six seconds of speech-like sound, looping seamlessly: syllables of 180 ms voiced
    /// (120–210 Hz, gliding, with an envelope), some preceded by a 40 ms unvoiced burst
    /// (-25 dBFS noise), separated by 100 ms pauses of -65 dBFS noise.
    static let speech: [Int16] = {
        var random = SplitMix64(seed: 7)
        var out = [Int16]()
        var syllable = 0
        while out.count < 6 * 48_000 {
            let f0 = 120 + Double((syllable * 37) % 90)
            if syllable % 3 == 1 {
                for _ in 0..<(40 * 48) { out.append(clip((random.unit() * 2 - 1) * 0.1 * 32768)) }
            }
            let voicedCount = 180 * 48
            var phase = 0.0
            for n in 0..<voicedCount {
                let t = Double(n) / Double(voicedCount)
                let f = f0 * (1 + 0.1 * (t - 0.5)) * (1 + 0.01 * AudioMath.sin(2 * .pi * 5 * Double(n) / rate))
                let envelope = AudioMath.sin(.pi * t)
                var v = 0.0
                for k in 1...8 { v += AudioMath.sin(Double(k) * phase) / Double(k) }
                out.append(clip(v / 2.2 * 0.25 * 32768 * envelope))
                phase += 2 * .pi * f / rate
            }
            for _ in 0..<(100 * 48) { out.append(clip((random.unit() * 2 - 1) * 0.0006 * 32768)) }
            syllable += 1
        }
        return out
    }()

    /// Largest difference between neighbouring samples.
    static func maxStep(_ x: ArraySlice<Int16>) -> Int {
        var best = 0
        var i = x.startIndex
        while i + 1 < x.endIndex {
            best = max(best, abs(Int(x[i + 1]) - Int(x[i])))
            i += 1
        }
        return best
    }

    /// Normalised correlation of two equally long runs.
    static func correlation(_ a: ArraySlice<Int16>, _ b: ArraySlice<Int16>) -> Double {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                var ab = 0, aa = 0, bb = 0
                for i in 0..<min(pa.count, pb.count) {
                    let x = Int(pa[i]), y = Int(pb[i])
                    ab += x * y
                    aa += x * x
                    bb += y * y
                }
                return aa > 0 && bb > 0 ? Double(ab) / (Double(aa) * Double(bb)).squareRoot() : 0
            }
        }
    }

    /// The pitch period of `x` in samples: the shortest lag (100–800) whose correlation over
    /// `window` samples peaks within 0.03 of the best. Brute force, full rate.
    static func period(_ x: ArraySlice<Int16>, window: Int) -> Int {
        let s = x.startIndex
        let lags = 100...min(800, x.count - window)
        let scores = lags.map { lag in correlation(x[s..<(s + window)], x[(s + lag)..<(s + lag + window)]) }
        let best = scores.max() ?? 0
        for i in 1..<(scores.count - 1) where scores[i] >= best - 0.03 && scores[i] >= scores[i - 1] && scores[i] >= scores[i + 1] {
            return lags.lowerBound + i
        }
        return lags.lowerBound + (scores.firstIndex(of: best) ?? 0)
    }

    static func rms(_ x: ArraySlice<Int16>) -> Double {
        guard !x.isEmpty else { return 0 }
        var sum = 0.0
        for v in x { sum += Double(v) * Double(v) }
        return (sum / Double(x.count)).squareRoot() / 32768
    }
}
