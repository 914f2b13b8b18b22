import Testing
@testable import PTTAudioCore

/// Pitch-period time stretching on synthetic voiced sound, noise and silence (48 kHz).
@Suite struct TimeStretcherTests {
    /// A 30 ms buffer, what a receiver passes.
    static let span = 1_440

    static func accelerated(_ input: ArraySlice<Int16>, limit: Int = .max) -> (output: [Int16], removed: Int) {
        var stretcher = TimeStretcher()
        var output: [Int16] = []
        let removed = stretcher.accelerate(input, limit: limit, into: &output)
        return (output, removed)
    }

    static func expanded(_ input: ArraySlice<Int16>, limit: Int = .max) -> (output: [Int16], added: Int) {
        var stretcher = TimeStretcher()
        var output: [Int16] = []
        let added = stretcher.expand(input, limit: limit, into: &output)
        return (output, added)
    }

    @Test func removesExactlyOnePeriodOfAPulseTrain() {
        let x = TestSignal.pulseTrain(count: 4_000, period: 320)
        let input = x[1_000..<(1_000 + Self.span)]
        let (out, removed) = Self.accelerated(input)
        #expect(removed == 320)
        #expect(out.count == Self.span - removed)
        // Periodic input: taking out a period leaves the same waveform, only shorter.
        let expected = x[1_000..<(1_000 + out.count)]
        #expect(zip(out, expected).allSatisfy { abs(Int($0) - Int($1)) <= 1 })
    }

    @Test func findsTheShortestPeriodNotAMultiple() {
        for period in [160, 240, 480] {
            let x = TestSignal.pulseTrain(count: 3_000, period: period)
            #expect(Self.accelerated(x[500..<(500 + Self.span)]).removed == period)
        }
    }

    @Test func shrinksAVoicedToneByAboutOnePeriodWithoutAClick() {
        // 150 Hz with vibrato and a swelling envelope; the 30 ms taken from the middle.
        let envelope: (Double) -> Double = { 0.6 + 0.4 * AudioMath.sin(2 * .pi * 3 * $0) }
        let x = TestSignal.voiced(count: 14_400, envelope: envelope)
        let start = 4_800
        let (out, removed) = Self.accelerated(x[start..<(start + Self.span)])
        #expect(abs(removed - 320) <= 16)
        // Played in place, the result joins what came before and after without a step larger
        // than the tone's own.
        let stream = Array(x[..<start]) + out + Array(x[(start + Self.span)...])
        #expect(TestSignal.maxStep(stream[...]) <= TestSignal.maxStep(x[...]) * 105 / 100 + 2)
    }

    @Test func matchesANaturallyFasterUtterance() {
        // The same tone spoken faster: vibrato and envelope compressed, the pitch following them.
        let envelope: (Double) -> Double = { 0.5 + 0.5 * AudioMath.sin(2 * .pi * 4 * $0) }
        let x = TestSignal.voiced(count: Self.span, depth: 0.02, envelope: envelope)
        let (out, removed) = Self.accelerated(x[...])
        #expect(removed > 0)
        let reference = TestSignal.voiced(count: out.count, depth: 0.02, envelope: envelope,
                                          timeScale: Double(Self.span) / Double(out.count))
        #expect(TestSignal.correlation(out[...], reference[...]) > 0.9)
    }

    @Test func keepsThePitchWhilePlayingFaster() {
        // A second of a steady 150 Hz tone and of one with vibrato, accelerated on every 20 ms
        // frame the way a receiver would (30 ms examined, 20 ms played per step).
        for depth in [0.0, 0.015] {
            let x = TestSignal.voiced(count: 48_000, depth: depth)
            var stretcher = TimeStretcher()
            var pending = x
            var played: [Int16] = []
            var scratch: [Int16] = []
            var removed = 0
            while pending.count >= Self.span {
                scratch.removeAll(keepingCapacity: true)
                removed += stretcher.accelerate(pending[0..<Self.span], into: &scratch)
                scratch.append(contentsOf: pending[Self.span...])
                swap(&pending, &scratch)
                played.append(contentsOf: pending[0..<960])
                pending.removeFirst(960)
            }
            // A third faster (a period per 20 ms played), yet the period is still 320 samples
            // (±2 %): resampling would have made it 240.
            #expect(removed > 11_000)
            let inputPeriods = stride(from: 0, to: x.count - 2_000, by: 1_920).map { TestSignal.period(x[$0...], window: 720) }
            let low = Double(inputPeriods.min()!) * 0.98, high = Double(inputPeriods.max()!) * 1.02
            for start in stride(from: 0, to: played.count - 2_000, by: 1_200) {
                let p = Double(TestSignal.period(played[start...], window: 720))
                #expect(p >= low && p <= high, "period \(p) at \(start), depth \(depth)")
            }
        }
    }

    @Test func expandsByOnePeriodWithoutAClick() {
        let x = TestSignal.pulseTrain(count: 4_000, period: 320)
        let (out, added) = Self.expanded(x[1_000..<(1_000 + Self.span)])
        #expect(added == 320)
        // Periodic input: one more period of the same waveform.
        #expect(zip(out, x[1_000..<(1_000 + out.count)]).allSatisfy { abs(Int($0) - Int($1)) <= 1 })

        let tone = TestSignal.voiced(count: 14_400)
        let start = 4_800
        let (slower, inserted) = Self.expanded(tone[start..<(start + Self.span)])
        #expect(abs(inserted - 320) <= 16)
        #expect(slower.count == Self.span + inserted)
        let stream = Array(tone[..<start]) + slower + Array(tone[(start + Self.span)...])
        #expect(TestSignal.maxStep(stream[...]) <= TestSignal.maxStep(tone[...]) * 105 / 100 + 2)
        let p = TestSignal.period(slower[...], window: 720)
        #expect(abs(p - 320) <= 6)
    }

    @Test func leavesLoudNoiseAlone() {
        let x = TestSignal.noise(count: Self.span, amplitude: 0.3)
        let fast = Self.accelerated(x[...])
        #expect(fast.removed == 0)
        #expect(fast.output == x)
        let slow = Self.expanded(x[...])
        #expect(slow.added == 0)
        #expect(slow.output == x)
    }

    @Test func removesTheLongestAllowedFromSilenceAndQuietNoise() {
        let silence = [Int16](repeating: 0, count: Self.span)
        let (out, removed) = Self.accelerated(silence[...])
        #expect(removed == 720)
        #expect(out == [Int16](repeating: 0, count: 720))
        let hiss = TestSignal.noise(count: Self.span, amplitude: 0.001)
        #expect(Self.accelerated(hiss[...]).removed == 720)
        #expect(Self.accelerated(hiss[...], limit: 300).removed == 300)
        #expect(Self.expanded(hiss[...], limit: 200).added == 200)
    }

    @Test func neverExceedsTheLimit() {
        let x = TestSignal.pulseTrain(count: 3_000, period: 320)
        let input = x[0..<Self.span]
        // Under the period nothing matches: nothing removed rather than a shorter, wrong lag.
        #expect(Self.accelerated(input, limit: 200).removed == 0)
        #expect(Self.accelerated(input, limit: 400).removed == 320)
        #expect(Self.accelerated(input, limit: 100).removed == 0)
        #expect(Self.expanded(input, limit: 300).added == 0)
    }

    @Test func shortInputSearchesShorterPeriods() {
        let x = TestSignal.pulseTrain(count: 3_000, period: 320)
        // 20 ms: periods up to 10 ms are found.
        #expect(Self.accelerated(x[0..<960]).removed == 320)
        // 12 ms: up to 6 ms, and the period is 6.7 ms.
        let short = Self.accelerated(x[0..<576])
        #expect(short.removed == 0)
        #expect(short.output == Array(x[0..<576]))
        // Shorter than two of the shortest periods: nothing to search.
        #expect(Self.accelerated(x[0..<200]).removed == 0)
        #expect(Self.accelerated([]).removed == 0)
    }

    @Test func appendsToWhatTheOutputHolds() {
        let x = TestSignal.pulseTrain(count: 2_000, period: 320)
        var stretcher = TimeStretcher()
        var output: [Int16] = [1, 2, 3]
        let removed = stretcher.accelerate(x[0..<Self.span], into: &output)
        #expect(output.count == 3 + Self.span - removed)
        #expect(output.prefix(3) == [1, 2, 3])
    }

    @Test func isDeterministic() {
        let x = TestSignal.voiced(count: Self.span, depth: 0.02)
        var stretcher = TimeStretcher()
        var first: [Int16] = [], second: [Int16] = []
        let a = stretcher.accelerate(x, into: &first)
        let b = stretcher.accelerate(x, into: &second)
        #expect(a == b)
        #expect(first == second)
    }
}
