import Foundation
import Testing

/// `ptt devices` and `ptt echo` run as child processes against the ALSA file-plugin
/// devices (Resources/alsa/ptt-test.conf): the environment is the child's own.
@Suite struct AudioCommandRunTests {
    static func run(_ args: [String], input: String = "/dev/zero", output: String = "/dev/null",
                    timeout: Duration = .seconds(20)) async throws -> (status: Int32, out: String) {
        var env = testALSAEnvironment
        env["TEST_ALSA_IN"] = input
        env["TEST_ALSA_OUT"] = output
        let child = try ChildProcess("ptt", args, environment: env)
        let status = await child.waitForExit(timeout: timeout)
        return (status, (child.output + [child.errorText]).joined(separator: "\n"))
    }

    @Test func devicesListsBothDirections() async throws {
        let (status, out) = try await Self.run(["devices"])
        #expect(status == 0)
        #expect(out.contains("Capture devices (--input):"))
        #expect(out.contains("Playback devices (--output):"))
        #expect(out.contains("  default"))
        #expect(out.contains("Discard all samples"))
    }

    @Test func echoPlaysTheMicrophoneBackThroughTheCodec() async throws {
        let dir = try TemporaryDirectory()
        let input = dir.path("echo-in.raw"), output = dir.path("echo-out.raw")
        // 1 s of a 300 Hz tone, then silence.
        var samples = (0..<48_000).map { Int16(8000 * sin(2 * Double.pi * 300 * Double($0) / 48_000)) }
        samples += [Int16](repeating: 0, count: 48_000 * 3)
        try samples.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: input)) }
        let start = ContinuousClock.now
        let (status, out) = try await Self.run(["echo", "--seconds", "2", "--delay-ms", "300", "--no-cues"], input: input, output: output)
        let elapsed = ContinuousClock.now - start
        #expect(status == 0, "\(out)")
        #expect(out.contains("open mode; echo after 300 ms"))
        #expect(out.contains("microphone: noise suppression and AGC"), "\(out)")
        #expect(out.contains("sent "))
        #expect(elapsed >= .milliseconds(1900), "paced: 2 s of echo took \(elapsed)")
        let played = try Data(contentsOf: URL(fileURLWithPath: output)).withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        #expect(played.count >= 48_000 * 3 / 2)
        // Silent for the echo delay, then the tone.
        guard played.count >= 48_000 else { return }
        let early = played.prefix(48_000 / 5).map { abs(Int($0)) }.max() ?? 0
        let later = played[24_000..<48_000].map { abs(Int($0)) }.max() ?? 0
        #expect(early == 0)
        #expect(later > 4000)
    }

    @Test func echoWithoutAMicrophoneSaysWhyAndGoesOn() async throws {
        let (status, out) = try await Self.run(["echo", "--seconds", "0.5", "--input", "ptt_no_mic"])
        #expect(status == 0)
        #expect(out.contains("microphone unavailable"))
        #expect(out.contains("'ptt_no_mic'"))
        #expect(out.contains("Available capture devices:"))
    }

    @Test func invalidOptionsFailBeforeOpeningAnything() async throws {
        let (status, out) = try await Self.run(["echo", "--bitrate", "1k"])
        #expect(status != 0)
        #expect(out.contains("invalid bitrate 1000"))
    }
}

/// Where the client's config file comes from, and what a bad one says.
@Suite struct ConfigFileRunTests {
    @Test func aDirectoryIsAnErrorAndAnEmptyVariableIsUnset() async throws {
        let dir = try TemporaryDirectory()
        let asDir = try ChildProcess("ptt", ["rooms", "--relay", "ws://127.0.0.1:9"], environment: ["PTT_CONFIG": dir.url.path])
        #expect(await asDir.waitForExit() == 2)
        #expect(asDir.errorText.contains("cannot read \(dir.url.path): Is a directory"), "\(asDir.errorText)")
        let empty = try ChildProcess("ptt", ["rooms", "--relay", "ws://127.0.0.1:9"], environment: ["PTT_CONFIG": "", "HOME": dir.url.path])
        #expect(await empty.waitForExit() == 1)
        #expect(empty.errorText.contains("cannot reach the relay"), "\(empty.errorText)")
    }

    /// A refused value that the user did not type says where it came from; a typed flag wins
    /// over a bad value in the environment.
    @Test func aRefusedSettingNamesItsSource() async throws {
        let dir = try TemporaryDirectory()
        let env = try ChildProcess("ptt", ["send", "r", "alice", "/nonexistent-dir/x.wav"], environment: ["PTT_BITRATE": "abc"])
        #expect(await env.waitForExit() == 64)
        #expect(env.errorText.contains("invalid bitrate 'abc'") && env.errorText.contains("(--bitrate comes from PTT_BITRATE)"), "\(env.errorText)")
        let typed = try ChildProcess("ptt", ["send", "r", "alice", "/nonexistent-dir/x.wav", "--bitrate", "16k"], environment: ["PTT_BITRATE": "abc"])
        #expect(await typed.waitForExit() == 1)
        #expect(typed.errorText.contains("cannot read '/nonexistent-dir/x.wav'"), "\(typed.errorText)")
        try "\ntail-ms = 5000\n".write(toFile: dir.path("config.toml"), atomically: true, encoding: .utf8)
        let file = try ChildProcess("ptt", ["join", "r", "alice", "--json", "--relay", "ws://127.0.0.1:9"], environment: ["PTT_CONFIG": dir.path("config.toml")])
        #expect(await file.waitForExit() == 64)
        #expect(file.errorText.contains("invalid --tail-ms 5000: use 0 to 2000"), "\(file.errorText)")
        #expect(file.errorText.contains("(--tail-ms comes from \(dir.path("config.toml")) line 2)"), "\(file.errorText)")
    }

    /// A configured setting gives way to a typed flag it conflicts with, and the environment's
    /// to a flag, the file's to the environment; two typed flags that conflict still fail.
    /// (Reaching the relay, not exit 64, shows the options were taken.)
    @Test func aTypedFlagWinsOverAConflictingConfiguredValue() async throws {
        let dir = try TemporaryDirectory()
        let file = dir.path("config.toml")
        // Numbers as help prints them, also as TOML floats.
        try "mode = \"vox\"\nbitrate = \"24k\"\nperiod-ms = \"10.0\"\ntail-ms = 150.0\nvox-threshold = -40.5\n".write(toFile: file, atomically: true, encoding: .utf8)
        let relay = ["--json", "--relay", "ws://127.0.0.1:9"]
        let taken: [([String], [String: String])] = [
            (["--listen"], ["PTT_CONFIG": file]),
            (["--listen"], ["PTT_MODE": "vox"]),
            (["--low-latency"], ["PTT_CONFIG": file]),
            (["--low-latency"], ["PTT_BITRATE": "24k", "PTT_FRAME_MS": "20"]),
            (["--frame-ms", "20"], ["PTT_LOW_LATENCY": "true"]),
            ([], ["PTT_CONFIG": file, "PTT_LOW_LATENCY": "true"]),
            (["--listen"], ["PTT_PERIOD_MS": "10.0", "PTT_COMPLEXITY": "8.0", "PTT_TAIL_MS": "150.0"]),
        ]
        for (args, env) in taken {
            let join = try ChildProcess("ptt", ["join", "r", "alice"] + relay + args, environment: testALSAEnvironment.merging(env) { $1 })
            #expect(await join.waitForExit() == 1, "\(args) \(env): \(join.errorText)")
            #expect(join.errorText.contains("cannot reach the relay"), "\(args) \(env): \(join.errorText)")
        }
        let refused: [([String], [String: String], String)] = [
            (["--listen", "--mode", "vox"], [:], "--listen never talks: --mode vox"),
            (["--low-latency", "--bitrate", "24k"], ["PTT_CONFIG": file], "low latency needs at least 32000"),
            (["--listen"], ["PTT_PERIOD_MS": "10.5"], "invalid --period-ms '10.5': give a whole number, not a fraction\n(--period-ms comes from PTT_PERIOD_MS)"),
            ([], ["PTT_LOW_LATENCY": "true", "PTT_BITRATE": "24k"], "(--bitrate comes from PTT_BITRATE; --low-latency comes from PTT_LOW_LATENCY)"),
        ]
        for (args, env, message) in refused {
            let join = try ChildProcess("ptt", ["join", "r", "alice"] + relay + args, environment: testALSAEnvironment.merging(env) { $1 })
            #expect(await join.waitForExit() == 64, "\(args) \(env): \(join.errorText)")
            #expect(join.errorText.contains(message), "\(args) \(env): \(join.errorText)")
        }
        // echo has no talk key: a configured hold mode is for join.
        let echo = try ChildProcess("ptt", ["echo", "--seconds", "0.2"], environment: testALSAEnvironment.merging(["PTT_MODE": "hold"]) { $1 })
        #expect(await echo.waitForExit() == 0, "\(echo.errorText)")
        #expect(echo.output.joined().contains("open mode"), "\(echo.output)")
    }

    @Test func sendTakesTheEncoderKeysOfTheSharedFile() async throws {
        let dir = try TemporaryDirectory()
        try "mode = \"vox\"\nbitrate = \"1k\"\n".write(toFile: dir.path("config.toml"), atomically: true, encoding: .utf8)
        let send = try ChildProcess("ptt", ["send", "r", "alice", "/nonexistent-dir/x.wav"], environment: ["PTT_CONFIG": dir.path("config.toml")])
        #expect(await send.waitForExit() != 0)
        #expect(send.errorText.contains("invalid bitrate 1000"), "\(send.errorText)")
    }
}
