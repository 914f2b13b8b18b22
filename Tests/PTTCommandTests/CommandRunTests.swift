import Foundation
import Testing

/// `ptt devices` and `ptt echo` run as child processes against the ALSA file-plugin
/// devices (Resources/alsa/ptt-test.conf): the environment is the child's own.
@Suite struct CommandRunTests {
    static let root: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// The ptt binary built next to this test bundle.
    static var binary: URL {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("ptt").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("ptt")
    }

    static func run(_ args: [String], input: String = "/dev/zero", output: String = "/dev/null") throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["ALSA_CONFIG_PATH"] = "/usr/share/alsa/alsa.conf:\(root)/Resources/alsa/ptt-test.conf"
        env["TEST_ALSA_IN"] = input
        env["TEST_ALSA_OUT"] = output
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func devicesListsBothDirections() throws {
        let (status, out) = try Self.run(["devices"])
        #expect(status == 0)
        #expect(out.contains("Capture devices (--input):"))
        #expect(out.contains("Playback devices (--output):"))
        #expect(out.contains("  default"))
        #expect(out.contains("Discard all samples"))
    }

    @Test func echoPlaysTheMicrophoneBackThroughTheCodec() throws {
        let dir = FileManager.default.temporaryDirectory
        let input = dir.appendingPathComponent("ptt-echo-in-\(getpid()).raw")
        let output = dir.appendingPathComponent("ptt-echo-out-\(getpid()).raw")
        defer { try? FileManager.default.removeItem(at: input); try? FileManager.default.removeItem(at: output) }
        // 1 s of a 300 Hz tone, then silence.
        var samples = (0..<48_000).map { Int16(8000 * sin(2 * Double.pi * 300 * Double($0) / 48_000)) }
        samples += [Int16](repeating: 0, count: 48_000 * 3)
        try samples.withUnsafeBytes { try Data($0).write(to: input) }
        let start = Date()
        let (status, out) = try Self.run(["echo", "--seconds", "2", "--delay-ms", "300", "--no-cues"], input: input.path, output: output.path)
        let elapsed = Date().timeIntervalSince(start)
        #expect(status == 0, "\(out)")
        #expect(out.contains("open mode; echo after 300 ms"))
        #expect(out.contains("sent "))
        #expect(elapsed >= 1.9, "paced: 2 s of echo took \(elapsed) s")
        let played = try Data(contentsOf: output).withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        #expect(played.count >= 48_000 * 3 / 2)
        // Silent for the echo delay, then the tone.
        let early = played.prefix(48_000 / 5).map { abs(Int($0)) }.max() ?? 0
        let later = played[24_000..<48_000].map { abs(Int($0)) }.max() ?? 0
        #expect(early == 0)
        #expect(later > 4000)
    }

    @Test func echoWithoutAMicrophoneSaysWhyAndGoesOn() throws {
        let (status, out) = try Self.run(["echo", "--seconds", "0.5", "--input", "ptt_no_mic"])
        #expect(status == 0)
        #expect(out.contains("microphone unavailable"))
        #expect(out.contains("'ptt_no_mic'"))
        #expect(out.contains("Available capture devices:"))
    }

    @Test func invalidOptionsFailBeforeOpeningAnything() throws {
        let (status, out) = try Self.run(["echo", "--bitrate", "1k"])
        #expect(status != 0)
        #expect(out.contains("invalid bitrate 1000"))
    }
}
