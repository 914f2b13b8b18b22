import Testing
@testable import PTTAudioCore

@Suite struct ResamplerTests {
    func tone(_ hz: Double, rate: Int, seconds: Double) -> [Float] {
        (0..<Int(Double(rate) * seconds)).map { Float(0.5 * Resampler.sinSeries(2 * .pi * hz * Double($0) / Double(rate))) }
    }

    func amplitude(_ x: [Float]) -> Float {
        let mid = x[x.count / 4..<3 * x.count / 4]
        let power: Float = mid.reduce(0) { $0 + $1 * $1 } / Float(mid.count)
        return (2 * power).squareRoot()
    }

    @Test func keepsToneAndLengthWhenUpsampling() {
        let out = Resampler.resample(tone(440, rate: 22050, seconds: 1), from: 22050, to: 48000)
        #expect(out.count == 48000)
        #expect(abs(amplitude(out) - 0.5) < 0.02)
        // Compare with the ideal tone at 48 kHz, away from the edges.
        let ideal = tone(440, rate: 48000, seconds: 1)
        let err = zip(out[1000..<47000], ideal[1000..<47000]).map { abs($0 - $1) }.max() ?? 1
        #expect(err < 0.01)
    }

    @Test func removesWhatTheLowerRateCannotCarry() {
        // 10 kHz cannot exist at 16 kHz (Nyquist 8 kHz): it must be filtered, not aliased to 6 kHz.
        let out = Resampler.resample(tone(10_000, rate: 48000, seconds: 0.5), from: 48000, to: 16000)
        #expect(out.count == 8000)
        #expect(amplitude(out) < 0.02)
        let pass = Resampler.resample(tone(1000, rate: 48000, seconds: 0.5), from: 48000, to: 16000)
        #expect(abs(amplitude(pass) - 0.5) < 0.02)
    }

    @Test func helpers() {
        #expect(Resampler.downmix([1, 0, 0.5, 0.5], channels: 2) == [0.5, 0.5])
        #expect(Resampler.toInt16([2, -2, 0.5]) == [32767, -32768, 16384])
        #expect(Resampler.resample([1, 2, 3], from: 8000, to: 8000) == [1, 2, 3])
        #expect(Resampler.resample([], from: 8000, to: 48000).isEmpty)
        #expect(abs(Resampler.sinSeries(1) - 0.8414709848078965) < 1e-12)
    }
}
