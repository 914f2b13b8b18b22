import ArgumentParser
import PTTAudio
import PTTConfig

/// The Opus encoder's options: every command that encodes (`join`, `echo`, `send`, and
/// `listen` for `.opus` files).
///
/// An option the user did not type takes its value from the configuration (`ClientDefaults`)
/// in `validate()`, else its built-in default; `sources` says where each value came from.
struct CodecOptions: ParsableArguments {
    @Option(name: .customLong("frame-ms"), help: ArgumentHelp("Opus frame length: 10, 20, 40 or 60 ms (default 20; 10 with --low-latency).", valueName: "ms"))
    var frameMillis: Double?

    @Option(help: ArgumentHelp("Opus bitrate in bit/s, or with a k suffix: 24k (default 24k; 32k with --low-latency).", valueName: "rate"),
            transform: CodecOptions.parseBitrate)
    var bitrate: Int?

    @Option(name: .customLong("complexity"), help: ArgumentHelp("Opus complexity 0-10: higher sounds better and costs more CPU. (default: 8)", valueName: "n"),
            transform: { try WholeNumber.parse($0, option: "--complexity") })
    var complexityOption: Int?
    var complexity: Int { complexityOption ?? 8 }

    @Option(name: .customLong("expected-loss"), help: ArgumentHelp("Packet loss in percent the in-band FEC is sized for, or auto: follow the loss seen on incoming audio, from 0.", valueName: "percent|auto"),
            transform: CodecOptions.parseLoss)
    var expectedLossOption: ExpectedLoss?
    /// The expected loss in percent; nil: `auto`.
    var expectedLoss: Int? {
        if case .percent(let p) = expectedLossOption { return p }
        return nil
    }

    /// `--expected-loss`: a percentage, or `auto` (kept apart from "not given", so that a
    /// typed `auto` wins over a configured number).
    enum ExpectedLoss: Equatable { case auto, percent(Int) }

    /// Whether the expected loss follows the observed loss (`--expected-loss auto`, the default).
    var adaptiveLoss: Bool { expectedLoss == nil && !lowLatency }

    @Flag(name: .customLong("low-latency"), help: "LAN profile: Opus restricted low delay (2.5 ms lookahead), 10 ms frames, at least 32 kbit/s, no FEC in that mode.")
    var lowLatency = false

    /// Where each value came from (not an option: filled in `validate()`).
    var sources = OptionSources(ConfigTable())

    enum CodingKeys: String, CodingKey { case frameMillis, bitrate, complexityOption, expectedLossOption, lowLatency }

    static func parseBitrate(_ text: String) throws -> Int {
        let lower = text.lowercased()
        let (digits, factor) = lower.hasSuffix("k") ? (String(lower.dropLast()), 1000.0) : (lower, 1.0)
        guard let v = Double(digits), v > 0 else { throw ValidationError("invalid bitrate '\(text)': give bit/s (24000) or kbit/s (24k)") }
        // (refused here, before it could overflow an Int)
        guard v * factor < 1e9 else {
            throw ValidationError("invalid bitrate '\(text)': Opus accepts \(OpusSettings.bitrateRange.lowerBound) to \(OpusSettings.bitrateRange.upperBound) bit/s")
        }
        return Int(v * factor)
    }

    static func parseLoss(_ text: String) throws -> ExpectedLoss {
        if text == "auto" { return .auto }
        guard let v = try? WholeNumber.parse(text, option: "--expected-loss"), (0...100).contains(v) else {
            throw ValidationError("invalid --expected-loss '\(text)': give 0 to 100 or auto")
        }
        return .percent(v)
    }

    /// The codec settings these options ask for.
    var opusSettings: OpusSettings {
        var s = lowLatency ? OpusSettings.lowLatencyProfile() : OpusSettings()
        if let frameMillis { s.frameMillis = frameMillis }
        if let bitrate { s.bitrate = bitrate }
        s.complexity = complexity
        if !lowLatency, let expectedLoss { s.expectedLossPercent = expectedLoss }
        return s
    }

    /// Takes what the user did not type from the configuration, lets the stronger source win
    /// where `--low-latency` and a frame length or bitrate disagree, then checks the whole.
    mutating func validate() throws {
        var sources = OptionSources()
        try sources.fill(&frameMillis, "frame-ms")
        try sources.fill(&bitrate, "bitrate", Self.parseBitrate)
        try sources.fill(&complexityOption, "complexity") { try WholeNumber.parse($0, option: "--complexity") }
        try sources.fill(&expectedLossOption, "expected-loss", Self.parseLoss)
        sources.fill(flag: &lowLatency, "low-latency")
        if lowLatency {
            var conflicting: [String] = []
            if let frameMillis, frameMillis != 10 { conflicting.append("frame-ms") }
            if let bitrate, bitrate < OpusSettings.lowLatencyProfile().bitrate { conflicting.append("bitrate") }
            let rank = sources.rank("low-latency")
            if conflicting.contains(where: { sources.rank($0) > rank }) {
                lowLatency = false
                sources.drop("low-latency")
            } else {
                if conflicting.contains("frame-ms"), sources.rank("frame-ms") < rank { frameMillis = nil; sources.drop("frame-ms") }
                if conflicting.contains("bitrate"), sources.rank("bitrate") < rank { bitrate = nil; sources.drop("bitrate") }
            }
        }
        self.sources = sources
        if let problem = opusSettings.problem {
            throw ValidationError(problem + sources.note(blaming: ["frame-ms", "bitrate", "complexity", "expected-loss", "low-latency"]))
        }
    }
}
