import ArgumentParser
import PTTSessionCore
import Testing
@testable import ptt

/// Each command's help lists what it uses and only that.
@Suite struct HelpTests {
    static let capture = ["--input", "--mode", "--tail-ms", "--pre-roll-ms", "--vox-threshold", "--no-processing", "--no-denoise", "--no-agc", "--no-echo-cancel"]
    static let playback = ["--output", "--period-ms", "--no-cues", "--stereo"]
    static let codec = ["--frame-ms", "--bitrate", "--complexity", "--expected-loss", "--low-latency"]
    static let connection = ["--relay", "--token", "--tls-ca", "--tls-insecure"]

    @Test func sendListsTheEncoderAndTheConnectionOnly() {
        let help = SendCommand.helpMessage()
        for option in Self.codec + Self.connection + ["--json"] { #expect(help.contains(option), "send's help lacks \(option)") }
        for option in Self.capture + Self.playback { #expect(!help.contains(option), "send's help lists \(option), which send ignores") }
        #expect(throws: (any Error).self) { try SendCommand.parse(["r", "alice", "a.wav", "--mode", "vox"]) }
    }

    @Test func listenListsNoMicrophoneOptions() {
        let help = ListenCommand.helpMessage()
        for option in Self.codec + Self.playback + Self.connection + ["--out", "--seconds", "--name"] {
            #expect(help.contains(option), "listen's help lacks \(option)")
        }
        for option in Self.capture { #expect(!help.contains(option), "listen's help lists \(option), which listen ignores") }
    }

    @Test func joinAndEchoListEveryAudioOption() {
        for help in [JoinCommand.helpMessage(), EchoCommand.helpMessage()] {
            for option in Self.capture + Self.playback + Self.codec { #expect(help.contains(option), "help lacks \(option)") }
        }
    }

    /// Every command `--json` reads from stdin is in `ptt join --help`.
    @Test func joinHelpListsEveryJSONCommand() throws {
        let help = JoinCommand.helpMessage(columns: 1000)
        for command in ["talk on", "talk off", "chat TEXT", "mic on|off", "mute on|off", "deafen on|off", "volume NAME PERCENT",
                        "silence NAME on|off", "stats", "quit", "exit"] {
            #expect(help.contains(command), "join's help leaves out \(command)")
            let line = command.replacingOccurrences(of: "TEXT", with: "hi").replacingOccurrences(of: "on|off", with: "on")
                .replacingOccurrences(of: "NAME", with: "bob").replacingOccurrences(of: "PERCENT", with: "80")
            #expect(throws: Never.self, "\(line)") { try ScriptCommand.parse(line) }
        }
    }

    /// A default shown in help is accepted when typed; a whole-number option takes `10.0` and
    /// refuses `10.5` in words.
    @Test func defaultsAsPrintedAreAccepted() throws {
        let join = JoinCommand.helpMessage(columns: 1000)
        #expect(!join.contains(".0)"), "\(join)")
        #expect(join.contains("(default: 150)") && join.contains("(default: -40)"))
        let o = try JoinCommand.parse(["r", "alice", "--tail-ms", "150.0", "--period-ms", "10.0", "--complexity", "8.0",
                                       "--expected-loss", "5.0", "--vox-threshold", "-40.0"])
        #expect(o.audio.periodMillis == 10 && o.audio.codec.complexity == 8 && o.audio.codec.expectedLoss == 5)
        #expect(try EchoCommand.parse(["--delay-ms", "300.0"]).delayMillis == 300)
        for (args, message) in [(["--period-ms", "10.5"], "invalid --period-ms '10.5': give a whole number, not a fraction"),
                                (["--complexity", "8.5"], "invalid --complexity '8.5': give a whole number, not a fraction"),
                                (["--period-ms", "ten"], "invalid --period-ms 'ten': give a whole number")] {
            do {
                _ = try JoinCommand.parse(["r", "alice"] + args)
                Issue.record("accepted \(args)")
            } catch {
                #expect(JoinCommand.message(for: error).contains(message), "\(JoinCommand.message(for: error))")
            }
        }
    }
}
