/// Plays speech faster or slower by one pitch period at a time, keeping its pitch (48 kHz mono).
///
/// The method of WebRTC NetEq's Accelerate and PreemptiveExpand (time_stretch.cc): find the lag
/// L between 2.5 and 15 ms at which the signal best matches itself (the pitch period), by the
/// normalised cross-correlation of x[0..<W] with x[L..<L+W], searched on a copy decimated to
/// 8 kHz and refined at full rate around the best lag. Then overlap-add over one period:
/// `accelerate` fades x[0..<L] into x[L..<2L] (one period fewer), `expand` plays x[0..<L] and
/// then fades x[L..<2L] into x[0..<L] (one period more). Both start and end on the input's own
/// samples, so the result joins what was played before and what is decoded after. Only where
/// it is not heard: a voiced segment (correlation at least `correlationThreshold`) or a quiet
/// one (any lag will do, the longest allowed is taken). Anything else (unvoiced consonants,
/// onsets, noise) is left alone, and the caller tries again on the next frame.
///
/// Written here rather than taken from libsonic: it works on the samples the caller already
/// holds and returns them at once, so it adds no buffering delay of its own (sonic keeps up to
/// two pitch periods of input back to search in); it changes audio only when asked and only
/// by whole periods; and it is deterministic and allocation-free once built, tested in the
/// pure core with everything that drives it.
///
/// The rate cap: each call takes a `limit` on the samples it may remove or add and never
/// exceeds it; a limit well under the pitch period leaves voiced audio alone (no lag that
/// short matches). The caller holds the budget: to play at most `r` times real time, allow
/// `1 − 1/r` sample of removal per sample played (0.2 for 1.25×); at least `s` times, allow
/// `1/s − 1` sample of insertion (0.11 for 0.9×). Carry unused allowance over, up to a little
/// more than the longest period: a long period still goes in one piece once enough has built
/// up, while a long wait buys no burst (any second then stays within the rate, plus that
/// carry-over). `PlayoutController` keeps this budget and hands it out as `maxSamples`.
///
/// Cost: one decimated search (about 100 lags × 120 products) and 11 full-rate correlations
/// of 720 products per call, on the first 30 ms given: a few microseconds in release.
public struct TimeStretcher: Sendable {
    public struct Configuration: Equatable, Sendable {
        /// Shortest period searched, in samples: 2.5 ms (400 Hz).
        public var minimumLag = 120
        /// Longest period searched, in samples: 15 ms (67 Hz). A call looks at up to twice this.
        public var maximumLag = 720
        /// Normalised correlation a segment needs to count as voiced (NetEq uses 0.9).
        public var correlationThreshold = 0.9
        /// RMS (fraction of full scale) under which a segment is quiet and any lag will do:
        /// -45 dBFS, the level of a pause with room noise rather than of soft speech.
        public var quietRMS = 0.0056

        public init() {}
    }

    public let configuration: Configuration
    /// Samples decimated into one for the coarse search (48 kHz to 8 kHz).
    static let decimation = 6

    // Scratch, sized once: the input as floats, the decimated signal, the coarse scores.
    private var signal: [Float]
    private var reduced: [Float]
    private var scores: [Float]

    public init(_ configuration: Configuration = Configuration()) {
        precondition(configuration.minimumLag >= 2 * Self.decimation && configuration.maximumLag >= configuration.minimumLag)
        self.configuration = configuration
        signal = Array(repeating: 0, count: 2 * configuration.maximumLag)
        reduced = Array(repeating: 0, count: 2 * configuration.maximumLag / Self.decimation + 1)
        scores = Array(repeating: 0, count: configuration.maximumLag / Self.decimation + 2)
    }

    // One call examines at most twice the longest period (30 ms): with fewer samples, periods
    // up to half of what is given are found.

    /// Appends `input` to `output` with one pitch period (at most `limit` samples) taken out at
    /// its start. Returns the samples removed; 0 when the start of `input` is neither voiced nor
    /// quiet, or too short, and `input` is appended unchanged.
    public mutating func accelerate(_ input: ArraySlice<Int16>, limit: Int = .max, into output: inout [Int16]) -> Int {
        input.withUnsafeBufferPointer { x in
            guard let lag = period(in: x, limit: limit) else {
                output.append(contentsOf: x)
                return 0
            }
            Self.crossFade(x, from: 0, to: lag, count: lag, into: &output)
            output.append(contentsOf: UnsafeBufferPointer(rebasing: x[(2 * lag)...]))
            return lag
        }
    }

    public mutating func accelerate(_ input: [Int16], limit: Int = .max, into output: inout [Int16]) -> Int {
        accelerate(input[...], limit: limit, into: &output)
    }

    /// Appends `input` to `output` with one pitch period (at most `limit` samples) repeated at
    /// its start. Returns the samples added; 0 when the start of `input` is neither voiced nor
    /// quiet, or too short, and `input` is appended unchanged.
    public mutating func expand(_ input: ArraySlice<Int16>, limit: Int = .max, into output: inout [Int16]) -> Int {
        input.withUnsafeBufferPointer { x in
            guard let lag = period(in: x, limit: limit) else {
                output.append(contentsOf: x)
                return 0
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: x[0..<lag]))
            Self.crossFade(x, from: lag, to: 0, count: lag, into: &output)
            output.append(contentsOf: UnsafeBufferPointer(rebasing: x[lag...]))
            return lag
        }
    }

    public mutating func expand(_ input: [Int16], limit: Int = .max, into output: inout [Int16]) -> Int {
        expand(input[...], limit: limit, into: &output)
    }

    /// The lag to remove or repeat at the start of `x`, or nil when none may be.
    private mutating func period(in x: UnsafeBufferPointer<Int16>, limit: Int) -> Int? {
        let c = configuration
        let longest = min(c.maximumLag, limit, x.count / 2)
        guard longest >= c.minimumLag else { return nil }
        // The correlation window: 15 ms when the input allows, never shorter than the lag.
        let window = min(c.maximumLag, x.count - longest)
        let quiet = c.quietRMS * 32768
        let quietEnergy = Float(quiet * quiet) * Float(longest + window)
        return signal.withUnsafeMutableBufferPointer { s in
            reduced.withUnsafeMutableBufferPointer { r in
                scores.withUnsafeMutableBufferPointer { sc in
                    Self.search(x, s, r, sc, shortest: c.minimumLag, longest: longest, window: window,
                                quietEnergy: quietEnergy, threshold: Float(c.correlationThreshold))
                }
            }
        }
    }

    /// Coarse search on the decimated signal, refined at full rate. `s`, `r`, `scores`: scratch.
    private static func search(_ x: UnsafeBufferPointer<Int16>, _ s: UnsafeMutableBufferPointer<Float>,
                               _ r: UnsafeMutableBufferPointer<Float>, _ scores: UnsafeMutableBufferPointer<Float>,
                               shortest: Int, longest: Int, window: Int, quietEnergy: Float, threshold: Float) -> Int? {
        let span = longest + window
        for k in 0..<span { s[k] = Float(x[k]) }
        let sp = UnsafePointer(s.baseAddress!)
        if dot(sp, sp, span) < quietEnergy { return longest }

        // Decimate by summing blocks (a boxcar low-pass: crude, but only to find a candidate).
        let m = span / decimation
        for j in 0..<m {
            var sum: Float = 0
            for k in 0..<decimation { sum += s[j * decimation + k] }
            r[j] = sum
        }
        let rp = UnsafePointer(r.baseAddress!)
        let lo = (shortest + decimation - 1) / decimation
        let hi = longest / decimation
        let w = window / decimation
        let head = Double(dot(rp, rp, w))
        var tail = Double(dot(rp + lo, rp + lo, w))
        var best: Float = -1
        for lag in lo...hi {
            let denominator = head * tail
            scores[lag - lo] = denominator > 0 ? Float(Double(dot(rp, rp + lag, w)) / denominator.squareRoot()) : 0
            best = max(best, scores[lag - lo])
            if lag < hi {
                let out = Double(r[lag]), into = Double(r[lag + w])
                tail = max(0, tail - out * out + into * into)
            }
        }
        // The shortest lag that is a peak nearly as good as the best: a period rather than a
        // multiple of it (multiples match almost as well in steady vowels).
        var coarse = lo
        for i in 0...(hi - lo) {
            let peak = i > 0 && i < hi - lo && scores[i] >= scores[i - 1] && scores[i] >= scores[i + 1]
            if peak && scores[i] >= best - 0.05 || scores[i] == best {
                coarse = lo + i
                break
            }
        }

        // Full rate, around the coarse lag.
        let centre = coarse * decimation
        let first = max(shortest, centre - decimation + 1)
        let last = min(longest, centre + decimation - 1)
        guard first <= last else { return nil }
        let energyHead = Double(dot(sp, sp, window))
        var energyTail = Double(dot(sp + first, sp + first, window))
        var lag = first
        var score: Float = -1
        for candidate in first...last {
            let denominator = energyHead * energyTail
            let value = denominator > 0 ? Float(Double(dot(sp, sp + candidate, window)) / denominator.squareRoot()) : 0
            if value > score {
                score = value
                lag = candidate
            }
            if candidate < last {
                let out = Double(s[candidate]), into = Double(s[candidate + window])
                energyTail = max(0, energyTail - out * out + into * into)
            }
        }
        return score >= threshold ? lag : nil
    }

    /// Appends `count` samples fading linearly from x[from...] to x[to...].
    private static func crossFade(_ x: UnsafeBufferPointer<Int16>, from: Int, to: Int, count: Int, into output: inout [Int16]) {
        let half = count / 2
        for k in 0..<count {
            let sum = Int(x[from + k]) * (count - k) + Int(x[to + k]) * k
            output.append(Int16(truncatingIfNeeded: (sum + (sum < 0 ? -half : half)) / count))
        }
    }

    /// Dot product of two float runs, eight lanes at a time.
    @inline(__always)
    private static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var lanes = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let va = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
            let vb = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            lanes += va * vb
            i += 8
        }
        var sum = lanes.sum()
        while i < count {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }
}
