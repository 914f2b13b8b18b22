import ArgumentParser
import PTTAudio
import PTTAudioCore
import PTTConfig

/// The microphone and talk options: the commands that talk from a microphone (`join`, `echo`).
struct CaptureOptions: ParsableArguments {
    @Option(name: .customLong("input"), help: ArgumentHelp("Capture device (ALSA PCM name; see `ptt devices`). (default: default)", valueName: "name"))
    var inputOption: String?
    /// The capture device.
    var input: String { inputOption ?? "default" }

    @Option(help: ArgumentHelp("Talk mode: hold (push-to-talk), toggle, vox (voice-activated) or open.", valueName: "mode"))
    var mode: TalkGate.Mode?

    @Option(name: .customLong("tail-ms"), help: ArgumentHelp("How long transmission continues after release or silence, 0-2000 ms. (default: \(WholeNumber.format(TalkGate.Configuration.defaultTailMillis)))", valueName: "ms"))
    var tailMillisOption: Double?
    var tailMillis: Double { tailMillisOption ?? TalkGate.Configuration.defaultTailMillis }

    @Option(name: .customLong("pre-roll-ms"), help: ArgumentHelp("Audio kept from before a spurt starts (default 60 in vox, 0 otherwise); it delays the whole spurt by as much.", valueName: "ms"))
    var preRollMillis: Double?

    @Option(name: .customLong("vox-threshold"), parsing: .unconditional, help: ArgumentHelp("VOX opens when the voice level reaches this many dBFS. (default: -40)", valueName: "dBFS"))
    var voxThresholdOption: Double?
    var voxThreshold: Double { voxThresholdOption ?? -40 }

    @Flag(name: .customLong("no-processing"), help: "Send the microphone as it is: no noise suppression, no automatic gain control, no echo cancellation.")
    var noProcessing = false

    @Flag(name: .customLong("no-denoise"), help: "No noise suppression on the microphone (fan, hum and hiss are sent).")
    var noDenoise = false

    @Flag(name: .customLong("no-agc"), help: "No automatic gain control on the microphone (its level is sent as it is).")
    var noAGC = false

    @Flag(name: .customLong("no-echo-cancel"), help: "No echo cancellation (what the speakers play may be sent back from the microphone; fine with headphones). ptt echo never cancels.")
    var noEchoCancel = false

    /// The microphone's cleaning before the talk gate and the encoder: noise suppression, AGC
    /// and echo cancellation, on unless switched off.
    var speechSettings: SpeechSettings {
        if noProcessing { return .off }
        var s = SpeechSettings()
        s.denoise = !noDenoise
        s.agc = !noAGC
        s.echoCancel = !noEchoCancel
        return s
    }

    /// Where each value came from (not an option: filled in `validate()`).
    var sources = OptionSources(ConfigTable())

    enum CodingKeys: String, CodingKey {
        case inputOption, mode, tailMillisOption, preRollMillis, voxThresholdOption, noProcessing, noDenoise, noAGC, noEchoCancel
    }

    /// Talk gate settings for frames of `frameMillis`, with `defaultMode` when --mode is not given.
    func gateConfiguration(frameMillis: Double, defaultMode: TalkGate.Mode) -> TalkGate.Configuration {
        TalkGate.Configuration(mode: mode ?? defaultMode, frameMillis: frameMillis, tailMillis: tailMillis,
                               preRollMillis: preRollMillis, voxOnDBFS: voxThreshold, voxOffDBFS: voxThreshold - 6)
    }

    /// Forgets a talk mode the user did not type (a shared config file's `mode` that this
    /// command or a typed flag rules out); a typed one stays, to be refused.
    mutating func dropConfiguredMode() {
        guard sources.rank("mode") < OptionSources.typed else { return }
        mode = nil
        sources.drop("mode")
    }

    mutating func validate() throws { try validate(defaults: ClientDefaults.table) }

    /// Takes what the user did not type from `defaults` (the config file and `PTT_*`), then
    /// checks the whole.
    mutating func validate(defaults: ConfigTable) throws {
        var sources = OptionSources(defaults)
        try sources.fill(&inputOption, "input") { $0 }
        try sources.fill(&mode, "mode")
        try sources.fill(&tailMillisOption, "tail-ms")
        try sources.fill(&preRollMillis, "pre-roll-ms")
        try sources.fill(&voxThresholdOption, "vox-threshold")
        sources.fill(flag: &noProcessing, "processing", option: "--no-processing", on: false)
        sources.fill(flag: &noDenoise, "denoise", option: "--no-denoise", on: false)
        sources.fill(flag: &noAGC, "agc", option: "--no-agc", on: false)
        sources.fill(flag: &noEchoCancel, "echo-cancel", option: "--no-echo-cancel", on: false)
        self.sources = sources
        func refuse(_ message: String, _ keys: String...) -> ValidationError { ValidationError(message + sources.note(blaming: keys)) }
        guard TalkGate.Configuration.tailRange.contains(tailMillis) else {
            throw refuse("invalid --tail-ms \(WholeNumber.format(tailMillis)): use 0 to 2000", "tail-ms")
        }
        if let preRollMillis, !(0...500).contains(preRollMillis) {
            throw refuse("invalid --pre-roll-ms \(WholeNumber.format(preRollMillis)): use 0 to 500", "pre-roll-ms")
        }
        guard (-90...0).contains(voxThreshold) else { throw refuse("invalid --vox-threshold \(WholeNumber.format(voxThreshold)): use -90 to 0 dBFS", "vox-threshold") }
        guard input != "" else { throw refuse("device names cannot be empty", "input") }
    }
}

extension TalkGate.Mode: ExpressibleByArgument {}
