import ArgumentParser
import PTTAudio
import PTTAudioCore
import PTTConfig

/// Every audio option, for the commands that open a microphone and speakers (`ptt join`,
/// `ptt echo`): the encoder's, the speakers' and the microphone's groups. `ptt send` takes
/// only `CodecOptions`, `ptt listen` `CodecOptions` and `PlaybackOptions`.
struct AudioOptions: ParsableArguments {
    @OptionGroup var capture: CaptureOptions
    @OptionGroup var codec: CodecOptions
    @OptionGroup var playback: PlaybackOptions

    var input: String { capture.input }
    var output: String { playback.output }
    var mode: TalkGate.Mode? { capture.mode }
    var periodMillis: Int { playback.periodMillis }
    var channels: Int { playback.channels }
    var stereo: Bool { playback.stereo }
    var noCues: Bool { playback.noCues }
    var opusSettings: OpusSettings { codec.opusSettings }
    var adaptiveLoss: Bool { codec.adaptiveLoss }

    /// Talk gate settings, with `defaultMode` when --mode is not given.
    func gateConfiguration(defaultMode: TalkGate.Mode) -> TalkGate.Configuration {
        capture.gateConfiguration(frameMillis: codec.opusSettings.frameMillis, defaultMode: defaultMode)
    }
}
