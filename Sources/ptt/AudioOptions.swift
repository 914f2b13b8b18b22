import ArgumentParser
import PTTAudio
import PTTAudioCore
import PTTConfig

/// Audio options shared by every command that opens devices (`ptt echo`, `ptt join`).
///
/// An option the user did not type takes its value from the configuration (`ClientDefaults`)
/// in `validate()`, else its built-in default; `sources` says where each value came from.
struct AudioOptions: ParsableArguments {
    @Option(name: .customLong("input"), help: ArgumentHelp("Capture device (ALSA PCM name; see `ptt devices`). (default: default)", valueName: "name"))
    var inputOption: String?
    /// The capture device.
    var input: String { inputOption ?? "default" }

    @Option(name: .customLong("output"), help: ArgumentHelp("Playback device (ALSA PCM name; see `ptt devices`). (default: default)", valueName: "name"))
    var outputOption: String?
    /// The playback device.
    var output: String { outputOption ?? "default" }

    @Option(name: .customLong("frame-ms"), help: ArgumentHelp("Opus frame length: 10, 20, 40 or 60 ms (default 20; 10 with --low-latency).", valueName: "ms"))
    var frameMillis: Double?

    @Option(help: ArgumentHelp("Opus bitrate in bit/s, or with a k suffix: 24k (default 24k; 32k with --low-latency).", valueName: "rate"),
            transform: AudioOptions.parseBitrate)
    var bitrate: Int?

    @Option(name: .customLong("complexity"), help: ArgumentHelp("Opus complexity 0-10: higher sounds better and costs more CPU. (default: 8)", valueName: "n"))
    var complexityOption: Int?
    var complexity: Int { complexityOption ?? 8 }

    @Option(name: .customLong("expected-loss"), help: ArgumentHelp("Packet loss in percent the in-band FEC is sized for, or auto: follow the loss seen on incoming audio, from 0.", valueName: "percent|auto"),
            transform: AudioOptions.parseLoss)
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

    @Option(name: .customLong("period-ms"), help: ArgumentHelp("ALSA period: 5 or 10 ms. (default: 10)", valueName: "ms"))
    var periodMillisOption: Int?
    var periodMillis: Int { periodMillisOption ?? 10 }

    @Option(help: ArgumentHelp("Talk mode: hold (push-to-talk), toggle, vox (voice-activated) or open.", valueName: "mode"))
    var mode: TalkGate.Mode?

    @Option(name: .customLong("tail-ms"), help: ArgumentHelp("How long transmission continues after release or silence, 0-2000 ms. (default: \(TalkGate.Configuration.defaultTailMillis))", valueName: "ms"))
    var tailMillisOption: Double?
    var tailMillis: Double { tailMillisOption ?? TalkGate.Configuration.defaultTailMillis }

    @Option(name: .customLong("pre-roll-ms"), help: ArgumentHelp("Audio kept from before a spurt starts (default 60 in vox, 0 otherwise); it delays the whole spurt by as much.", valueName: "ms"))
    var preRollMillis: Double?

    @Option(name: .customLong("vox-threshold"), parsing: .unconditional, help: ArgumentHelp("VOX opens when the voice level reaches this many dBFS. (default: -40.0)", valueName: "dBFS"))
    var voxThresholdOption: Double?
    var voxThreshold: Double { voxThresholdOption ?? -40 }

    @Flag(name: .customLong("no-cues"), help: "Do not play the talk start/end and busy tones.")
    var noCues = false

    @Flag(help: "Stereo output, so overlapping speakers can be panned apart.")
    var stereo = false

    /// Where each value came from (not an option: filled in `validate()`).
    var sources = OptionSources(ConfigTable())

    /// Output channels: 2 with `--stereo`, else 1.
    var channels: Int { stereo ? 2 : 1 }

    enum CodingKeys: String, CodingKey {
        case inputOption, outputOption, frameMillis, bitrate, complexityOption, expectedLossOption, lowLatency, periodMillisOption,
             mode, tailMillisOption, preRollMillis, voxThresholdOption, noCues, stereo
    }

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
        guard let v = Int(text), (0...100).contains(v) else { throw ValidationError("invalid --expected-loss '\(text)': give 0 to 100 or auto") }
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

    /// Talk gate settings, with `defaultMode` when --mode is not given.
    func gateConfiguration(defaultMode: TalkGate.Mode) -> TalkGate.Configuration {
        TalkGate.Configuration(mode: mode ?? defaultMode, frameMillis: opusSettings.frameMillis, tailMillis: tailMillis,
                               preRollMillis: preRollMillis, voxOnDBFS: voxThreshold, voxOffDBFS: voxThreshold - 6)
    }

    /// Takes what the user did not type from the configuration, then checks the whole; a
    /// refused value that was not typed says where it came from.
    mutating func validate() throws {
        var sources = OptionSources()
        try sources.fill(&inputOption, "input") { $0 }
        try sources.fill(&outputOption, "output") { $0 }
        try sources.fill(&frameMillis, "frame-ms")
        try sources.fill(&bitrate, "bitrate", Self.parseBitrate)
        try sources.fill(&complexityOption, "complexity")
        try sources.fill(&expectedLossOption, "expected-loss", Self.parseLoss)
        sources.fill(flag: &lowLatency, "low-latency")
        try sources.fill(&periodMillisOption, "period-ms")
        try sources.fill(&mode, "mode")
        try sources.fill(&tailMillisOption, "tail-ms")
        try sources.fill(&preRollMillis, "pre-roll-ms")
        try sources.fill(&voxThresholdOption, "vox-threshold")
        sources.fill(flag: &noCues, "cues", option: "--no-cues", on: false)
        sources.fill(flag: &stereo, "stereo")
        self.sources = sources
        func refuse(_ message: String, _ keys: String...) -> ValidationError { ValidationError(message + sources.note(blaming: keys)) }
        if let problem = opusSettings.problem {
            throw refuse(problem, "frame-ms", "bitrate", "complexity", "expected-loss", "low-latency")
        }
        guard periodMillis == 5 || periodMillis == 10 else {
            throw refuse("invalid --period-ms \(periodMillis): use 5 or 10", "period-ms")
        }
        guard TalkGate.Configuration.tailRange.contains(tailMillis) else {
            throw refuse("invalid --tail-ms \(tailMillis): use 0 to 2000", "tail-ms")
        }
        if let preRollMillis, !(0...500).contains(preRollMillis) {
            throw refuse("invalid --pre-roll-ms \(preRollMillis): use 0 to 500", "pre-roll-ms")
        }
        guard (-90...0).contains(voxThreshold) else { throw refuse("invalid --vox-threshold \(voxThreshold): use -90 to 0 dBFS", "vox-threshold") }
        guard input != "", output != "" else { throw refuse("device names cannot be empty", "input", "output") }
    }
}

extension TalkGate.Mode: ExpressibleByArgument {}
