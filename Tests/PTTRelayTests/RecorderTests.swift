import Foundation
import Logging
@testable import PTTRelay
import Testing

/// The recorder's writer, driven directly: files, failures and their runs.
@Suite struct RecorderTests {
    @Test func aRunOfFailuresEndsWithAWrite() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("ptt-rec-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        // A file where the recording directory should be: nothing can be created under it.
        let blocked = tmp + "/rec"
        try Data("a file".utf8).write(to: URL(fileURLWithPath: blocked))
        let counters = Counters()
        var w = RelayRecorder.Writer(directory: blocked, counters: counters, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let wall: Int64 = 1_795_357_805_120_000_000
        w.handle(.event(room: "r", .joined(id: 1, name: "alice", listen: false), wallNanos: wall))
        w.handle(.event(room: "r", .talkStarted(id: 1, name: "alice"), wallNanos: wall))
        #expect(w.failing)
        #expect(counters[.recordingErrors] == 3)
        // The place becomes writable: the next line ends the run, and the spurt after it is recorded.
        try FileManager.default.removeItem(atPath: blocked)
        w.handle(.event(room: "r", .talkStopped(id: 1, name: "alice", seconds: 0), wallNanos: wall))
        #expect(!w.failing)
        w.handle(.event(room: "r", .talkStarted(id: 1, name: "alice"), wallNanos: wall + 1_000_000))
        w.handle(.event(room: "r", .talkStopped(id: 1, name: "alice", seconds: 0), wallNanos: wall + 2_000_000))
        #expect(counters[.recordedSpurts] == 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: blocked + "/r/2026-11-22").sorted()
        #expect(files == ["143005.121-alice-1.opus", "telemetry.jsonl"])
        let lines = try String(contentsOfFile: blocked + "/r/2026-11-22/telemetry.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3 && lines.first?.contains(#""event":"talk_stop""#) == true)
    }

    @Test func openFilesAreBoundedAndClosedWhenARoomEmpties() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("ptt-rec-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        var w = RelayRecorder.Writer(directory: tmp, counters: Counters(), logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let wall: Int64 = 1_795_357_805_120_000_000
        for n in 0..<100 {
            w.handle(.event(room: "r\(n)", .joined(id: 1, name: "alice", listen: false), wallNanos: wall))
        }
        #expect(w.telemetry.count == RelayRecorder.maxOpenTelemetry)
        // The least recently written went first.
        #expect(!w.telemetry.keys.contains("r0") && w.telemetry.keys.contains("r99"))
        w.handle(.event(room: "r99", .talkStarted(id: 1, name: "alice"), wallNanos: wall))
        #expect(w.openFiles == RelayRecorder.maxOpenTelemetry + 1)
        w.handle(.emptied(room: "r99"))
        #expect(!w.telemetry.keys.contains("r99") && w.spurts.isEmpty)
        // A room written again after its log was closed appends to it.
        w.handle(.event(room: "r0", .left(id: 1, name: "alice"), wallNanos: wall))
        let lines = try String(contentsOfFile: tmp + "/r0/2026-11-22/telemetry.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        w.closeAll()
        #expect(w.openFiles == 0)
    }
}
