/// How the Opus encoder is set up. Defaults: VOIP, 48 kHz mono, 20 ms frames, 24 kbit/s VBR,
/// complexity 8, wideband (0-8 kHz), in-band FEC sized by the expected loss, no DTX
/// (PROTOCOL.md §2 forbids it).
///
/// Expected loss starts at 0: FEC bits are not free (at 24 kbit/s, sizing FEC for 10 % loss
/// on a clean network costs about 1.2 PESQ-WB points, see BENCHMARKS.md), so a client raises
/// it from the loss it observes (`LossEstimator`), or the user fixes it.
///
/// The low-latency profile (for LANs) uses Opus' restricted-low-delay mode: 2.5 ms of
/// lookahead instead of 6.5 ms, 10 ms frames and at least 32 kbit/s. That mode is CELT
/// only, and in-band FEC exists only in SILK, so it has no FEC: a lost frame is concealed.
public struct OpusSettings: Equatable, Sendable, CustomStringConvertible {
    public static let sampleRate = 48_000
    public static let frameMillisAllowed: [Double] = [10, 20, 40, 60]
    /// libopus' own bitrate range, in bit/s.
    public static let bitrateRange = 6_000...510_000
    public static let lowLatencyMinBitrate = 32_000

    public var frameMillis: Double = 20
    public var bitrate: Int = 24_000
    public var complexity: Int = 8
    public var vbr = true
    public var fec = true
    /// Expected packet loss in percent; sizes the FEC data (0: FEC on, but no FEC bits spent).
    public var expectedLossPercent: Int = 0
    public var lowLatency = false
    /// The widest band the encoder may use. At speech bitrates, wideband keeps every bit
    /// below 8 kHz (PESQ-WB 4.1 instead of 3.7 at 24 kbit/s); fullband suits 32 kbit/s and up.
    public var maxBandwidth: Bandwidth = .wideband

    public enum Bandwidth: String, Sendable {
        /// 0-8 kHz.
        case wideband
        /// 0-20 kHz, if the bitrate allows.
        case fullband
    }

    public init() {}

    /// The low-latency profile: restricted low delay, 10 ms frames, 32 kbit/s, no FEC.
    public static func lowLatencyProfile(bitrate: Int = lowLatencyMinBitrate) -> OpusSettings {
        var s = OpusSettings()
        s.lowLatency = true
        s.frameMillis = 10
        s.bitrate = bitrate
        s.fec = false
        s.expectedLossPercent = 0
        s.maxBandwidth = .fullband
        return s
    }

    /// Samples per frame at 48 kHz.
    public var frameSamples: Int { Int(frameMillis * Double(Self.sampleRate) / 1000) }

    /// What is wrong with these settings, in words a user can act on; nil when valid.
    public var problem: String? {
        if !Self.frameMillisAllowed.contains(frameMillis) {
            return "invalid frame size \(Self.format(frameMillis)) ms: use 10, 20, 40 or 60"
        }
        if !Self.bitrateRange.contains(bitrate) {
            return "invalid bitrate \(bitrate) bit/s: Opus accepts 6000 to 510000 (24000 is the default)"
        }
        if lowLatency && bitrate < Self.lowLatencyMinBitrate {
            return "low latency needs at least \(Self.lowLatencyMinBitrate) bit/s (got \(bitrate)): without FEC, quality comes from the bitrate"
        }
        if lowLatency && frameMillis != 10 {
            return "low latency uses 10 ms frames (got \(Self.format(frameMillis)) ms)"
        }
        if !(0...10).contains(complexity) { return "invalid complexity \(complexity): use 0 to 10" }
        if !(0...100).contains(expectedLossPercent) { return "invalid expected loss \(expectedLossPercent) %: use 0 to 100" }
        return nil
    }

    public func validated() throws(OpusSettingsError) -> OpusSettings {
        if let problem { throw OpusSettingsError(message: problem) }
        return self
    }

    public var description: String {
        let mode = lowLatency ? "restricted low delay (no FEC in this mode)" : "VOIP"
        let fecText = fec && !lowLatency ? "in-band FEC for \(expectedLossPercent) % expected loss" : "no FEC"
        return "Opus \(mode), \(Self.format(frameMillis)) ms, \(bitrate / 1000) kbit/s \(vbr ? "VBR" : "CBR"), \(maxBandwidth.rawValue), complexity \(complexity), \(fecText)"
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
    }
}

/// Settings refused before any codec is created.
public struct OpusSettingsError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
