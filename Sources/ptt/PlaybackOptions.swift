import ArgumentParser
import PTTConfig

/// The speakers' options: the commands that play a room (`join`, `echo`, `listen`).
struct PlaybackOptions: ParsableArguments {
    @Option(name: .customLong("output"), help: ArgumentHelp("Playback device (ALSA PCM name; see `ptt devices`). (default: default)", valueName: "name"))
    var outputOption: String?
    /// The playback device.
    var output: String { outputOption ?? "default" }

    @Option(name: .customLong("period-ms"), help: ArgumentHelp("ALSA period: 5 or 10 ms. (default: 10)", valueName: "ms"),
            transform: { try WholeNumber.parse($0, option: "--period-ms") })
    var periodMillisOption: Int?
    var periodMillis: Int { periodMillisOption ?? 10 }

    @Flag(name: .customLong("no-cues"), help: "Do not play the talk start/end and busy tones.")
    var noCues = false

    @Flag(help: "Stereo output, so overlapping speakers can be panned apart.")
    var stereo = false

    /// Where each value came from (not an option: filled in `validate()`).
    var sources = OptionSources(ConfigTable())

    /// Output channels: 2 with `--stereo`, else 1.
    var channels: Int { stereo ? 2 : 1 }

    enum CodingKeys: String, CodingKey { case outputOption, periodMillisOption, noCues, stereo }

    mutating func validate() throws {
        var sources = OptionSources()
        try sources.fill(&outputOption, "output") { $0 }
        try sources.fill(&periodMillisOption, "period-ms") { try WholeNumber.parse($0, option: "--period-ms") }
        sources.fill(flag: &noCues, "cues", option: "--no-cues", on: false)
        sources.fill(flag: &stereo, "stereo")
        self.sources = sources
        guard periodMillis == 5 || periodMillis == 10 else {
            throw ValidationError("invalid --period-ms \(periodMillis): use 5 or 10" + sources.note(blaming: ["period-ms"]))
        }
        guard output != "" else { throw ValidationError("device names cannot be empty" + sources.note(blaming: ["output"])) }
    }
}
