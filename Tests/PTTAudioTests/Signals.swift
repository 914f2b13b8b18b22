
/// Test signals and measures: speech-like audio, correlation, energy, tone power.
enum Signals {
    /// A voiced, speech-like signal: a 140 Hz harmonic series with a syllable envelope.
    static func speechLike(seconds: Double, f0: Double = 140, seed: Int = 0) -> [Int16] {
        let n = Int(seconds * 48_000)
        var out = [Int16](repeating: 0, count: n)
        // Rotating phasors per harmonic and for the syllable envelope: no sin per sample.
        let harmonics = 12
        var re = [Double](repeating: 1, count: harmonics), im = [Double](repeating: 0, count: harmonics)
        var c = [Double](), s = [Double]()
        for h in 1...harmonics {
            let w = 2 * Double.pi * f0 * Double(h) / 48_000
            c.append(sine(w + Double.pi / 2)); s.append(sine(w))
        }
        let we = 2 * Double.pi * 3.1 / 48_000
        let ce = sine(we + Double.pi / 2), se = sine(we)
        var er = sine(Double(seed) + Double.pi / 2), ei = sine(Double(seed))
        for i in 0..<n {
            var v = 0.0
            for h in 0..<harmonics {
                v += im[h] / Double(h + 1)
                let nr = re[h] * c[h] - im[h] * s[h]
                im[h] = re[h] * s[h] + im[h] * c[h]
                re[h] = nr
            }
            let syllable = 0.5 + 0.5 * ei
            let nr = er * ce - ei * se
            ei = er * se + ei * ce
            er = nr
            out[i] = Int16(clamping: Int(v * syllable * 5000))
        }
        return out
    }

    static func tone(_ hz: Double, seconds: Double, amplitude: Double = 8000) -> [Int16] {
        (0..<Int(seconds * 48_000)).map { Int16(clamping: Int(amplitude * sine(2 * Double.pi * hz * Double($0) / 48_000))) }
    }

    /// sin without Foundation (Taylor after range reduction).
    static func sine(_ x: Double) -> Double {
        var r = x.truncatingRemainder(dividingBy: 2 * Double.pi)
        if r > Double.pi { r -= 2 * Double.pi } else if r < -Double.pi { r += 2 * Double.pi }
        var term = r, sum = r
        for n in stride(from: 1.0, to: 30, by: 2) { term *= -r * r / ((n + 1) * (n + 2)); sum += term }
        return sum
    }

    static func energy(_ x: ArraySlice<Int16>) -> Double { x.reduce(0.0) { $0 + Double($1) * Double($1) } }
    static func energy(_ x: [Int16]) -> Double { energy(x[...]) }

    /// Normalised correlation of `a` with `b` delayed by `lag` samples. (Buffer pointers: this
    /// runs millions of times in debug builds, where bounds checks would dominate.)
    static func correlation(_ a: [Int16], _ b: [Int16], lag: Int) -> Double {
        let n = min(a.count, b.count - lag)
        guard n > 0 else { return 0 }
        var ab = 0.0, aa = 0.0, bb = 0.0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                for i in 0..<n {
                    let x = Double(pa[i]), y = Double(pb[i + lag])
                    ab += x * y; aa += x * x; bb += y * y
                }
            }
        }
        return aa > 0 && bb > 0 ? ab / (aa * bb).squareRoot() : 0
    }

    /// The lag is searched on the first `head` samples; the correlation is then measured over everything.
    static func bestCorrelation(_ a: [Int16], _ b: [Int16], maxLag: Int, head: Int = 4800) -> (Double, Int) {
        let head = Array(a.prefix(head))
        var best = (-2.0, 0)
        for lag in 0...maxLag {
            let c = correlation(head, b, lag: lag)
            if c > best.0 { best = (c, lag) }
        }
        return (correlation(a, b, lag: best.1), best.1)
    }

    /// Power of one frequency (Goertzel), normalised per sample.
    static func tonePower(_ x: ArraySlice<Int16>, hz: Double) -> Double {
        let w = 2 * Double.pi * hz / 48_000
        let coeff = 2 * sine(w + Double.pi / 2)
        var s1 = 0.0, s2 = 0.0
        for v in x {
            let s = Double(v) + coeff * s1 - s2
            s2 = s1; s1 = s
        }
        return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / Double(max(x.count, 1) * max(x.count, 1))
    }
}

/// Waits without holding a thread of the cooperative pool (other suites run there).
func pause(_ nanos: Int64) async {
    try? await Task.sleep(for: .nanoseconds(nanos))
}
