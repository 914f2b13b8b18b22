import Foundation
import Testing

/// A `ptt-relay` process on 127.0.0.1, a free port: for what only a separate process shows
/// (its open files, its exit).
final class RelayProcess: @unchecked Sendable {
    let process: Process
    let port: Int
    /// What the relay printed on standard output after its "listening on" line.
    let output: String

    var pid: Int32 { process.processIdentifier }
    var url: String { "ws://127.0.0.1:\(port)" }
    func url(_ room: String) -> String { "\(url)/\(room)" }

    /// Starts `ptt-relay --bind 127.0.0.1:0` with `arguments` and waits for its listening line.
    init(_ arguments: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ServerTests.relayExecutable)
        p.environment = ServerTests.relayEnvironment
        p.arguments = ["--bind", "127.0.0.1:0"] + arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        var text = ""
        while !text.contains("\n") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = text.range(of: "listening on ") else {
            p.terminate()
            throw TimeoutError(what: "the relay's listening line, got \(text)")
        }
        let rest = text[range.upperBound...]
        guard let colon = rest.prefix(while: { $0 != "\n" }).lastIndex(of: ":"),
              let port = Int(rest[rest.index(after: colon)...].prefix { $0.isNumber }) else {
            p.terminate()
            throw TimeoutError(what: "a port in \(text)")
        }
        process = p
        self.port = port
        output = text
    }

    /// The relay's open file descriptors, as the targets of `/proc/PID/fd`.
    var openFiles: [String] {
        let dir = "/proc/\(pid)/fd"
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return fds.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "\(dir)/\($0)") }
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    deinit { stop() }
}
