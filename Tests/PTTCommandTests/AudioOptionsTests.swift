import ArgumentParser
import PTTAudio
import PTTConfig
import Testing
@testable import ptt

/// The audio options `ptt echo` and `ptt join` share: defaults, profiles, refusals, help text.
@Suite struct AudioOptionsTests {
    @Test func defaults() throws {
        let o = try AudioOptions.parse([])
        #expect(o.input == "default" && o.output == "default")
        let s = o.opusSettings
        #expect(s.frameMillis == 20 && s.bitrate == 24_000 && s.complexity == 8 && s.fec && !s.lowLatency)
        #expect(s.expectedLossPercent == 0 && o.adaptiveLoss)
        #expect(o.periodMillis == 10)
        let g = o.gateConfiguration(defaultMode: .hold)
        #expect(g.mode == .hold && g.tailMillis == 150 && g.preRollMillis == 0)
        #expect(o.gateConfiguration(defaultMode: .vox).preRollMillis == 60)
    }

    /// Noise suppression and AGC are on unless switched off: by flag, by the config file's
    /// `processing`, `denoise` and `agc` keys, or by `PTT_PROCESSING`, `PTT_DENOISE`, `PTT_AGC`.
    @Test func speechProcessingSwitches() throws {
        #expect(try AudioOptions.parse([]).capture.speechSettings == SpeechSettings())
        #expect(SpeechSettings().denoise && SpeechSettings().agc)
        #expect(try AudioOptions.parse(["--no-processing"]).capture.speechSettings == .off)
        #expect(try AudioOptions.parse(["--no-processing", "--no-agc"]).capture.speechSettings == .off)
        let noDenoise = try AudioOptions.parse(["--no-denoise"]).capture.speechSettings
        #expect(!noDenoise.denoise && noDenoise.agc)
        let noAGC = try AudioOptions.parse(["--no-agc"]).capture.speechSettings
        #expect(noAGC.denoise && !noAGC.agc)
        #expect(try AudioOptions.parse(["--no-denoise", "--no-agc"]).capture.speechSettings == SpeechSettings(denoise: false, agc: false))

        func configured(_ file: String?, _ environment: [String: String], _ args: [String] = []) throws -> CaptureOptions {
            let table = try ClientConfig.table(file: file.map { try TOML.parse($0) }, environment: environment, accepted: ClientConfig.joinKeys)
            var options = try CaptureOptions.parse(args)
            try options.validate(defaults: table)
            return options
        }
        let file = try configured("mode = \"vox\"\nprocessing = false", [:])
        #expect(file.speechSettings == .off)
        #expect(file.sources.origin("processing") == .file(path: "config.toml", line: 2))
        let env = try configured(nil, ["PTT_AGC": "off"])
        #expect(env.speechSettings.denoise && !env.speechSettings.agc)
        #expect(env.sources.origin("agc") == .environment("PTT_AGC"))
        #expect(try configured(nil, ["PTT_DENOISE": "0"]).speechSettings == SpeechSettings(denoise: false))
        // true is the default: it switches nothing off, and cannot switch on what a flag turned off.
        #expect(try configured("processing = true\ndenoise = true\nagc = true", [:]).speechSettings == SpeechSettings())
        #expect(try configured(nil, ["PTT_PROCESSING": "1"], ["--no-processing"]).speechSettings == .off)
        // The file and the environment give `echo` the same settings as `join`.
        #expect(ClientConfig.audioKeys["processing"] == .negatedFlag("no-processing"))
        #expect(ClientConfig.audioKeys["denoise"] == .negatedFlag("no-denoise") && ClientConfig.audioKeys["agc"] == .negatedFlag("no-agc"))
    }

    /// Echo cancellation is on with the rest of the processing; `--no-echo-cancel`, the
    /// `echo-cancel` key or `PTT_ECHO_CANCEL` switch it off, and so does `--no-processing`.
    /// `ptt echo` never cancels: it plays the user back to be heard.
    @Test func echoCancelSwitch() throws {
        #expect(try AudioOptions.parse([]).capture.speechSettings.echoCancel)
        let off = try AudioOptions.parse(["--no-echo-cancel"]).capture.speechSettings
        #expect(!off.echoCancel && off.denoise && off.agc)
        #expect(try AudioOptions.parse(["--no-processing"]).capture.speechSettings == .off)
        let onlyEcho = try AudioOptions.parse(["--no-denoise", "--no-agc"]).capture.speechSettings
        #expect(onlyEcho.echoCancel && !onlyEcho.denoise && !onlyEcho.agc && onlyEcho.isActive)
        #expect(try AudioOptions.parse(["--no-denoise", "--no-agc", "--no-echo-cancel"]).capture.speechSettings == .off)

        func configured(_ file: String?, _ environment: [String: String], _ args: [String] = []) throws -> CaptureOptions {
            let table = try ClientConfig.table(file: file.map { try TOML.parse($0) }, environment: environment, accepted: ClientConfig.joinKeys)
            var options = try CaptureOptions.parse(args)
            try options.validate(defaults: table)
            return options
        }
        let file = try configured("mode = \"vox\"\necho-cancel = false", [:])
        #expect(!file.speechSettings.echoCancel && file.speechSettings.denoise)
        #expect(file.sources.origin("echo-cancel") == .file(path: "config.toml", line: 2))
        let env = try configured(nil, ["PTT_ECHO_CANCEL": "off"])
        #expect(!env.speechSettings.echoCancel && env.speechSettings.agc)
        #expect(env.sources.origin("echo-cancel") == .environment("PTT_ECHO_CANCEL"))
        #expect(try configured("echo-cancel = true", [:]).speechSettings == SpeechSettings())
        #expect(try !configured(nil, ["PTT_ECHO_CANCEL": "1"], ["--no-echo-cancel"]).speechSettings.echoCancel)
        #expect(ClientConfig.audioKeys["echo-cancel"] == .negatedFlag("no-echo-cancel"))

        #expect(try !EchoCommand.parse([]).processing.echoCancel)
        let echo = try EchoCommand.parse(["--no-agc"]).processing
        #expect(echo.denoise && !echo.agc && !echo.echoCancel)
    }

    @Test func lowLatencyProfile() throws {
        let o = try AudioOptions.parse(["--low-latency"])
        let s = o.opusSettings
        #expect(s.lowLatency && s.frameMillis == 10 && s.bitrate == 32_000 && !s.fec)
        #expect(!o.adaptiveLoss)
        #expect(o.gateConfiguration(defaultMode: .hold).frameMillis == 10)
        #expect(try AudioOptions.parse(["--low-latency", "--bitrate", "48k"]).opusSettings.bitrate == 48_000)
    }

    @Test func explicitValues() throws {
        let o = try AudioOptions.parse(["--input", "hw:1", "--output", "plughw:0", "--frame-ms", "40", "--bitrate", "16000",
                                        "--expected-loss", "10", "--period-ms", "5", "--mode", "vox", "--tail-ms", "300",
                                        "--pre-roll-ms", "40", "--vox-threshold=-35"])
        #expect(o.input == "hw:1" && o.output == "plughw:0")
        #expect(o.opusSettings.frameMillis == 40 && o.opusSettings.bitrate == 16_000 && o.opusSettings.expectedLossPercent == 10)
        #expect(!o.adaptiveLoss)
        let g = o.gateConfiguration(defaultMode: .hold)
        #expect(g.mode == .vox && g.tailMillis == 300 && g.preRollMillis == 40 && g.voxOnDBFS == -35)
        // A negative number is the option's value, not an unknown option, also after a space.
        #expect(try AudioOptions.parse(["--vox-threshold", "-30"]).gateConfiguration(defaultMode: .vox).voxOnDBFS == -30)
        #expect(try ClientOptions.parse(["--token=-k3y"]).token == "-k3y")
    }

    @Test(arguments: [
        (["--frame-ms", "25"], "invalid frame size 25 ms"),
        (["--bitrate", "2k"], "invalid bitrate 2000"),
        (["--bitrate", "fast"], "invalid bitrate 'fast'"),
        // numbers far out of range are refused in words, not by an overflow
        (["--bitrate", "1e20"], "invalid bitrate '1e20': Opus accepts 6000 to 510000 bit/s"),
        (["--bitrate", "infk"], "invalid bitrate 'infk'"),
        (["--frame-ms", "inf"], "invalid frame size inf ms"),
        (["--frame-ms", "1e400"], "invalid frame size inf ms"),
        (["--frame-ms", "99999999999999999999"], "invalid frame size 1e+20 ms"),
        (["--low-latency", "--bitrate", "24k"], "at least 32000"),
        (["--low-latency", "--frame-ms", "20"], "10 ms frames"),
        (["--period-ms", "20"], "use 5 or 10"),
        (["--tail-ms", "2500"], "0 to 2000"),
        (["--expected-loss", "200"], "0 to 100 or auto"),
        (["--mode", "shout"], "shout"),
    ])
    func refusals(args: [String], message: String) {
        do {
            _ = try AudioOptions.parse(args)
            Issue.record("accepted \(args)")
        } catch {
            #expect(AudioOptions.message(for: error).contains(message), "\(AudioOptions.message(for: error))")
        }
    }

    @Test(arguments: ["inf", "1e300", "0", "-1"])
    func listenRefusesSecondsOutOfRange(seconds: String) {
        do {
            _ = try ListenCommand.parse(["r", "--seconds=\(seconds)"])
            Issue.record("accepted --seconds \(seconds)")
        } catch {
            #expect(ListenCommand.message(for: error).contains("--seconds must be more than 0 and at most 315360000"), "\(ListenCommand.message(for: error))")
        }
    }

    @Test func listenOutNeedsAFileName() {
        do {
            _ = try ListenCommand.parse(["r", "--out", "-"])
            Issue.record("accepted --out -")
        } catch {
            #expect(ListenCommand.message(for: error).contains("--out takes a file name; standard output ('-') is not supported"))
        }
        #expect(throws: Never.self) { try ListenCommand.parse(["r", "--out", "room.wav"]) }
    }

    @Test func echoRefusesModesWithoutAKey() {
        #expect(throws: (any Error).self) { try EchoCommand.parse(["--mode", "hold"]) }
        #expect(throws: Never.self) { try EchoCommand.parse(["--mode", "vox", "--seconds", "2"]) }
    }

    @Test func helpTextNamesTheOptions() {
        let help = EchoCommand.helpMessage()
        for option in ["--input", "--output", "--frame-ms", "--bitrate", "--low-latency", "--period-ms", "--mode", "--tail-ms",
                       "--pre-roll-ms", "--expected-loss", "--delay-ms", "no FEC"] {
            #expect(help.contains(option), "help lacks \(option)")
        }
        #expect(PTT.configuration.subcommands.contains { $0 == DevicesCommand.self })
        #expect(PTT.configuration.subcommands.contains { $0 == EchoCommand.self })
    }
}
