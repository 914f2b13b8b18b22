/// RMS and peak of a block of samples, in dBFS (0 dBFS = a full-scale square wave).
/// Cheap enough to compute for every captured and every played frame.
public struct AudioLevel: Equatable, Sendable {
    /// Level reported for digital silence.
    public static let floorDBFS: Double = -96

    /// Root mean square, 0...1 of full scale.
    public var rms: Double
    /// Largest absolute sample, 0...1 of full scale.
    public var peak: Double

    public init(rms: Double = 0, peak: Double = 0) {
        self.rms = rms
        self.peak = peak
    }

    /// Measures a block of 16-bit samples.
    public init(measuring samples: UnsafeBufferPointer<Int16>) {
        var sumSquares: Int64 = 0
        var peak: Int32 = 0
        for s in samples {
            let v = Int32(s)
            sumSquares &+= Int64(v * v)
            peak = max(peak, abs(v))
        }
        let n = max(samples.count, 1)
        self.rms = Double(sumSquares / Int64(n)).squareRoot() / 32768
        self.peak = Double(peak) / 32768
    }

    /// Measures an array of samples (no generic iteration: this runs for every period).
    public init(measuring samples: [Int16]) {
        self = samples.withUnsafeBufferPointer { AudioLevel(measuring: $0) }
    }

    public init(measuring samples: ArraySlice<Int16>) {
        self = samples.withUnsafeBufferPointer { AudioLevel(measuring: $0) }
    }

    public static let silence = AudioLevel()

    public var rmsDBFS: Double { AudioLevel.dBFS(rms) }
    public var peakDBFS: Double { AudioLevel.dBFS(peak) }

    /// Converts a linear amplitude (1 = full scale) to dBFS, clamped at `floorDBFS`.
    public static func dBFS(_ amplitude: Double) -> Double {
        guard amplitude > 0 else { return floorDBFS }
        return max(floorDBFS, 20 * AudioMath.log10(amplitude))
    }

    /// Converts dBFS to a linear amplitude.
    public static func amplitude(dBFS: Double) -> Double { AudioMath.amplitude(dB: dBFS) }

    /// A one-line meter: `width` cells from -60 dBFS to 0 dBFS, RMS filled, peak marked.
    public func meter(width: Int = 30) -> String {
        func cells(_ db: Double) -> Int { max(0, min(width, Int(((db + 60) / 60 * Double(width)).rounded()))) }
        let filled = cells(rmsDBFS)
        let peakCell = cells(peakDBFS)
        var out = ""
        for i in 0..<width {
            if i < filled { out += "#" } else if i == peakCell - 1 { out += "|" } else { out += "-" }
        }
        return out
    }
}
