/// Converts mono audio between sample rates with a windowed-sinc (Blackmann) filter,
/// low-passed below the lower Nyquist frequency so downsampling does not alias.
/// Whole-buffer and pure: used for files sent with `ptt send`, not on the live path.
public enum Resampler {
    /// Half-width of the filter in input samples (at the lower of the two rates).
    static let halfTaps = 16

    public static func resample(_ input: [Float], from inRate: Int, to outRate: Int) -> [Float] {
        guard inRate > 0, outRate > 0, !input.isEmpty else { return [] }
        if inRate == outRate { return input }
        let ratio = Double(outRate) / Double(inRate)
        let cutoff = min(1.0, ratio) * 0.95 // of the input Nyquist
        let width = Double(halfTaps) / min(1.0, ratio)
        let count = Int((Double(input.count) * ratio).rounded(.down))
        // The kernel sampled every 1/64 of an input sample, interpolated linearly: no
        // trigonometry per tap.
        let resolution = 64.0
        let kernel: [Double] = (0...Int(width * resolution) + 1).map { n in
            let x = Double(n) / resolution
            return sinc(x * cutoff) * cutoff * window(x / width)
        }
        func k(_ x: Double) -> Double {
            let p = abs(x) * resolution
            let i = Int(p)
            guard i + 1 < kernel.count else { return 0 }
            let f = p - Double(i)
            return kernel[i] + (kernel[i + 1] - kernel[i]) * f
        }
        var out = [Float](repeating: 0, count: count)
        for j in 0..<count {
            let center = Double(j) / ratio
            let first = max(0, Int((center - width).rounded(.up)))
            let last = min(input.count - 1, Int((center + width).rounded(.down)))
            guard first <= last else { continue }
            var acc = 0.0, norm = 0.0
            for i in first...last {
                let s = k(Double(i) - center)
                acc += Double(input[i]) * s
                norm += s
            }
            out[j] = Float(norm != 0 ? acc / norm : 0)
        }
        return out
    }

    static func sinc(_ x: Double) -> Double {
        if abs(x) < 1e-9 { return 1 }
        let px = Double.pi * x
        return sinSeries(px) / px
    }

    /// Blackman window over -1...1.
    static func window(_ t: Double) -> Double {
        guard abs(t) <= 1 else { return 0 }
        let a = Double.pi * (t + 1)
        return 0.42 - 0.5 * cosSeries(a) + 0.08 * cosSeries(2 * a)
    }

    // The core links no libm: sine and cosine by range reduction and a Taylor series,
    // accurate to ~1e-12 here, far below 16-bit audio's resolution.
    static func sinSeries(_ x: Double) -> Double {
        var r = x.truncatingRemainder(dividingBy: 2 * .pi)
        if r > .pi { r -= 2 * .pi } else if r < -.pi { r += 2 * .pi }
        var term = r, sum = r
        let r2 = r * r
        for n in stride(from: 3, through: 31, by: 2) {
            term *= -r2 / Double((n - 1) * n)
            sum += term
        }
        return sum
    }

    static func cosSeries(_ x: Double) -> Double { sinSeries(x + .pi / 2) }

    /// Interleaved channels to mono by averaging.
    public static func downmix(_ interleaved: [Float], channels: Int) -> [Float] {
        guard channels > 1 else { return interleaved }
        let frames = interleaved.count / channels
        return (0..<frames).map { f in
            var s: Float = 0
            for c in 0..<channels { s += interleaved[f * channels + c] }
            return s / Float(channels)
        }
    }

    /// Floats in -1...1 to 16-bit samples, clipped (never wrapped).
    public static func toInt16(_ x: [Float]) -> [Int16] {
        x.map { Int16(max(-32768, min(32767, ($0 * 32768).rounded()))) }
    }
}
