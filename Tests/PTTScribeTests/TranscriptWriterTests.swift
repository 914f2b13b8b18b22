import Glibc
import PTTScribeCore
import PTTSystem
import Synchronization
import Testing
@testable import PTTScribe

@Suite struct TranscriptWriterTests {
    static func temporaryDirectory() -> String {
        var template = Array("/tmp/ptt-transcripts-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    static func line(_ text: String, room: String = "standup") -> TranscriptLine {
        TranscriptLine(room: room, id: 4, name: "bob", start: "2026-12-07T10:00:00.000Z", end: "2026-12-07T10:00:02.500Z",
                       text: text, recognizer: "pocketsphinx")
    }

    @Test func linesAreAppendedPerRoomAndDay() throws {
        let dir = Self.temporaryDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        let writer = TranscriptWriter(directory: dir) { Issue.record("unexpected report: \($0)") }
        writer.append(Self.line("one"), date: "2026-12-07")
        writer.append(Self.line("two"), date: "2026-12-07")
        writer.append(Self.line("three", room: "ops"), date: "2026-12-08")
        writer.flush()
        let standup = String(decoding: try Posix.readFile("\(dir)/standup/2026-12-07/transcript.jsonl", limit: 1 << 20), as: UTF8.self)
        #expect(standup == Self.line("one").jsonLine + Self.line("two").jsonLine)
        let ops = String(decoding: try Posix.readFile("\(dir)/ops/2026-12-08/transcript.jsonl", limit: 1 << 20), as: UTF8.self)
        #expect(ops == Self.line("three", room: "ops").jsonLine)
        #expect(writer.written.load(ordering: .relaxed) == 3)
        // Appends to what is there (a restarted scribe).
        writer.close()
        let again = TranscriptWriter(directory: dir) { _ in }
        again.append(Self.line("four"), date: "2026-12-07")
        again.flush()
        let after = String(decoding: try Posix.readFile("\(dir)/standup/2026-12-07/transcript.jsonl", limit: 1 << 20), as: UTF8.self)
        #expect(after.split(separator: "\n").count == 3)
    }

    @Test func aFailedWriteIsCountedAndReportedOnceNeverFatal() throws {
        let dir = Self.temporaryDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        // The room's directory cannot be made: a file stands where it would go.
        try Posix.replaceFile("\(dir)/standup", with: Array("x".utf8))
        let reports = Mutex<[String]>([])
        let writer = TranscriptWriter(directory: dir) { text in reports.withLock { $0.append(text) } }
        writer.append(Self.line("one"), date: "2026-12-07")
        writer.append(Self.line("two"), date: "2026-12-07")
        writer.flush()
        #expect(writer.lost.load(ordering: .relaxed) == 2)
        #expect(reports.withLock { $0.count } == 1)
        #expect(reports.withLock { $0.first ?? "" }.contains("cannot write \(dir)/standup/2026-12-07/transcript.jsonl"))
        // Once it can be written again, it is, and that is said.
        unlink("\(dir)/standup")
        writer.append(Self.line("three"), date: "2026-12-07")
        writer.flush()
        #expect(writer.written.load(ordering: .relaxed) == 1)
        #expect(reports.withLock { $0.last ?? "" }.contains("works again"))
    }
}
