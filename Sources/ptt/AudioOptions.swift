import ArgumentParser
import PTTAudio
import PTTAudioCore

/// Audio options shared by every command that opens devices (`ptt echo`, `ptt join`).
struct AudioOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Capture device (ALSA PCM name; see `ptt devices`).", valueName: "name"))
    var input = "default"

    @Option(help: ArgumentHelp("Playback device (ALSA PCM name; see `ptt devices`).", valueName: "name"))
    var output = "default"

    @Option(name: .customLong("frame-ms"), help: ArgumentHelp("Opus frame length: 10, 20, 40 or 60 ms (default 20; 10 with --low-latency).", valueName: "ms"))
    var frameMillis: Double?

    @Option(help: ArgumentHelp("Opus bitrate in bit/s, or with a k suffix: 24k (default 24k; 32k with --low-latency).", valueName: "rate"),
            transform: AudioOptions.parseBitrate)
    var bitrate: Int?

    @Option(help: ArgumentHelp("Opus complexity 0-10: higher sounds better and costs more CPU.", valueName: "n"))
    var complexity = 8

    @Option(name: .customLong("expected-loss"), help: ArgumentHelp("Packet loss in percent the in-band FEC is sized for, or auto: follow the loss seen on incoming audio, from 0.", valueName: "percent|auto"),
            transform: AudioOptions.parseLoss)
    var expectedLoss: Int? = nil

    /// Whether the expected loss follows the observed loss (`--expected-loss auto`, the default).
    var adaptiveLoss: Bool { expectedLoss == nil && !lowLatency }

    @Flag(name: .customLong("low-latency"), help: "LAN profile: Opus restricted low delay (2.5 ms lookahead), 10 ms frames, at least 32 kbit/s, no FEC in that mode.")
    var lowLatency = false

    @Option(name: .customLong("period-ms"), help: ArgumentHelp("ALSA period: 5 or 10 ms.", valueName: "ms"))
    var periodMillis = 10

    @Option(help: ArgumentHelp("Talk mode: hold (push-to-talk), toggle, vox (voice-activated) or open.", valueName: "mode"))
    var mode: TalkGate.Mode?

    @Option(name: .customLong("tail-ms"), help: ArgumentHelp("How long transmission continues after release or silence, 0-2000 ms.", valueName: "ms"))
    var tailMillis = TalkGate.Configuration.defaultTailMillis

    @Option(name: .customLong("pre-roll-ms"), help: ArgumentHelp("Audio kept from before a spurt starts (default 60 in vox, 0 otherwise); it delays the whole spurt by as much.", valueName: "ms"))
    var preRollMillis: Double?

    @Option(name: .customLong("vox-threshold"), parsing: .unconditional, help: ArgumentHelp("VOX opens when the voice level reaches this many dBFS.", valueName: "dBFS"))
    var voxThreshold = -40.0

    @Flag(name: .customLong("no-cues"), help: "Do not play the talk start/end and busy tones.")
    var noCues = false

    @Flag(help: "Stereo output, so overlapping speakers can be panned apart.")
    var stereo = false

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

    static func parseLoss(_ text: String) throws -> Int? {
        if text == "auto" { return nil }
        guard let v = Int(text), (0...100).contains(v) else { throw ValidationError("invalid --expected-loss '\(text)': give 0 to 100 or auto") }
        return v
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

    func validate() throws {
        if let problem = opusSettings.problem { throw ValidationError(problem) }
        guard periodMillis == 5 || periodMillis == 10 else {
            throw ValidationError("invalid --period-ms \(periodMillis): use 5 or 10")
        }
        guard TalkGate.Configuration.tailRange.contains(tailMillis) else {
            throw ValidationError("invalid --tail-ms \(tailMillis): use 0 to 2000")
        }
        if let preRollMillis, !(0...500).contains(preRollMillis) {
            throw ValidationError("invalid --pre-roll-ms \(preRollMillis): use 0 to 500")
        }
        guard (-90...0).contains(voxThreshold) else { throw ValidationError("invalid --vox-threshold \(voxThreshold): use -90 to 0 dBFS") }
        guard input != "", output != "" else { throw ValidationError("device names cannot be empty") }
    }
}

extension TalkGate.Mode: ExpressibleByArgument {}
