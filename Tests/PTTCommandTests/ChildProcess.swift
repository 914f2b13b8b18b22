import Foundation
import PTTTestSupport
import Synchronization

/// A built executable of this package run as a child process, with its output collected
/// line by line. Waits are bounded; `stop()` always ends the process.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let stdin = Pipe()
    let stdout = Pipe()
    let stderr = Pipe()
    let collected = Collected()

    /// Output gathered by the pipes' handlers.
    final class Collected: Sendable {
        let lines = Mutex<[String]>([])
        let errors = Mutex<String>("")
        let partial = Mutex<[UInt8]>([])
        /// Pipes (stdout, stderr) that have reached end of file: all they carried is in.
        let closed = Atomic<Int>(0)
    }

    /// The directory holding the package's built executables (next to the test bundle).
    static var binDirectory: URL {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.pathComponents.count > 1, !FileManager.default.fileExists(atPath: url.appendingPathComponent("ptt").path) {
            url.deleteLastPathComponent()
        }
        return url
    }

    /// Runs `executable` from the build directory, or the program at `absolute` when given.
    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], absolute: String? = nil) throws {
        process.executableURL = absolute.map { URL(fileURLWithPath: $0) } ?? Self.binDirectory.appendingPathComponent(executable)
        process.arguments = arguments
        // Only the test decides ptt's options: no PTT_* variables or config file of the user's.
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PTT_") }
        env["XDG_CONFIG_HOME"] = "/nonexistent/ptt-test-config"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let collected = self.collected
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = [UInt8](handle.availableData)
            if data.isEmpty {
                handle.readabilityHandler = nil
                collected.closed.add(1, ordering: .sequentiallyConsistent)
                return
            }
            collected.partial.withLock { buffer in
                buffer.append(contentsOf: data)
                while let nl = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[..<nl], as: UTF8.self)
                    buffer.removeSubrange(...nl)
                    collected.lines.withLock { $0.append(line) }
                }
            }
        }
        stderr.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                collected.closed.add(1, ordering: .sequentiallyConsistent)
                return
            }
            collected.errors.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    var output: [String] { collected.lines.withLock { $0 } }
    var errorText: String { collected.errors.withLock { $0 } }

    func send(_ line: String) {
        try? stdin.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    /// Waits until some output line satisfies `match`; returns it.
    func waitForLine(timeout: Duration = .seconds(10), _ match: (String) -> Bool) async -> String? {
        _ = await eventually(timeout: timeout, every: .milliseconds(20)) { output.contains(where: match) }
        return output.first(where: match)
    }

    /// Waits for the process to exit; kills it after `timeout`. Returns the exit status.
    @discardableResult
    func waitForExit(timeout: Duration = .seconds(10)) async -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            process.terminate()
            try? await Task.sleep(for: .milliseconds(200))
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        // The process is gone, but its last output may still be on the way through the pipes'
        // handlers: wait (at most 2 s) for both to reach end of file, then keep an unfinished line.
        let drained = ContinuousClock.now + .seconds(2)
        while collected.closed.load(ordering: .sequentiallyConsistent) < 2, ContinuousClock.now < drained {
            try? await Task.sleep(for: .milliseconds(5))
        }
        collected.partial.withLock { buffer in
            guard !buffer.isEmpty else { return }
            let line = String(decoding: buffer, as: UTF8.self)
            buffer.removeAll()
            collected.lines.withLock { $0.append(line) }
        }
        return process.terminationStatus
    }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    func stop() {
        if process.isRunning { process.terminate() }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// A relay child process on 127.0.0.1 with a free port.
func startRelay(_ extra: [String] = []) async throws -> (ChildProcess, Int) {
    let relay = try ChildProcess("ptt-relay", ["--bind", "127.0.0.1:0"] + extra)
    guard let line = await relay.waitForLine(timeout: .seconds(15), { $0.hasPrefix("listening on ") }),
          let port = line.split(separator: ":").last.flatMap({ Int($0) }) else {
        relay.stop()
        throw TestFailure("relay did not start: \(relay.errorText)")
    }
    return (relay, port)
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// The ALSA configuration that gives each process a file-backed "default" device.
var testALSAEnvironment: [String: String] {
    var dir = ChildProcess.binDirectory
    while dir.pathComponents.count > 1, !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
        dir.deleteLastPathComponent()
    }
    // Both files are always set: the test process's own TEST_ALSA_* (set by in-process ALSA
    // tests running at the same time) must never leak into a child.
    return ["ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + dir.appendingPathComponent("Resources/alsa/ptt-test.conf").path,
            "TEST_ALSA_IN": "/dev/zero", "TEST_ALSA_OUT": "/dev/null"]
}

/// A temporary directory removed when the test ends.
final class TemporaryDirectory: @unchecked Sendable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ptt-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Runs a tool to its end: its exit status and standard output (standard error discarded).
func runTool(_ tool: String, _ args: [String]) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}
