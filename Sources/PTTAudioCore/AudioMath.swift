/// The few transcendental functions the audio logic needs (dBFS, panning, tones).
/// The pure cores import only the standard library, which has no `log10` or `sin`: these are
/// small, accurate-to-1e-12 implementations, called per frame or per setting, never per sample.
enum AudioMath {
    static let ln2 = 0.693_147_180_559_945_309_4
    static let ln10 = 2.302_585_092_994_045_684_0
    static let pi = Double.pi

    /// Natural logarithm; -infinity for 0, NaN for negatives.
    static func log(_ x: Double) -> Double {
        guard x > 0 else { return x == 0 ? -.infinity : .nan }
        guard x.isFinite else { return x }
        // x = s * 2^e with s in [1, 2); ln s = 2 atanh((s-1)/(s+1)), |z| <= 1/3.
        let e = Double(x.exponent)
        let s = x.significand
        let z = (s - 1) / (s + 1)
        let z2 = z * z
        var term = z, sum = 0.0
        var k = 1.0
        while k < 60 {
            sum += term / k
            term *= z2
            k += 2
        }
        return 2 * sum + e * ln2
    }

    static func log10(_ x: Double) -> Double { log(x) / ln10 }

    /// e^x for |x| up to about 700.
    static func exp(_ x: Double) -> Double {
        guard x.isFinite else { return x > 0 ? .infinity : 0 }
        if x > 709 { return .infinity }
        if x < -745 { return 0 }
        let k = (x / ln2).rounded()
        let r = x - k * ln2
        var term = 1.0, sum = 1.0
        for n in 1..<24 {
            term *= r / Double(n)
            sum += term
        }
        return sum * Double(sign: .plus, exponent: Int(k), significand: 1)
    }

    /// 10^(x/20): decibels to a linear amplitude factor.
    static func amplitude(dB: Double) -> Double { exp(dB / 20 * ln10) }

    /// sin x, range-reduced to [-pi, pi], Taylor series.
    static func sin(_ x: Double) -> Double {
        guard x.isFinite else { return .nan }
        let twoPi = 2 * pi
        var r = x - (x / twoPi).rounded() * twoPi
        if r > pi { r -= twoPi } else if r < -pi { r += twoPi }
        let r2 = r * r
        var term = r, sum = r
        var n = 1.0
        while n < 40 {
            term *= -r2 / ((n + 1) * (n + 2))
            sum += term
            n += 2
        }
        return sum
    }

    static func cos(_ x: Double) -> Double { sin(x + pi / 2) }
}
