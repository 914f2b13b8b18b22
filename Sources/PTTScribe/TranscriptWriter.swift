import Dispatch
import Glibc
import PTTScribeCore
import PTTSystem
import Synchronization

/// Appends transcript lines to `DIR/ROOM/DATE/transcript.jsonl`, off the audio path: on its own
/// serial queue, one `write` per line (the file opened with O_APPEND, so each line lands whole),
/// at most `maxPending` lines waiting. A line that cannot be written (full disk, removed
/// directory) is counted and reported once per run of failures, never fatal; the next line tries
/// again.
public final class TranscriptWriter: Sendable {
    public let directory: String
    static let maxPending = 1000
    let queue = DispatchQueue(label: "ptt.transcripts")
    let report: @Sendable (String) -> Void
    struct State {
        var pending = 0
        var failing = false
        var file: (path: String, fd: Int32)?
    }
    let state = Mutex(State())
    /// Lines written, and lines lost (not written or dropped for a full queue).
    public let written = Atomic<Int>(0)
    public let lost = Atomic<Int>(0)

    public init(directory: String, report: @escaping @Sendable (String) -> Void) {
        self.directory = directory
        self.report = report
    }

    /// Queues a line; `date` (yyyy-mm-dd, UTC) picks the file.
    public func append(_ line: TranscriptLine, date: String) {
        let queued = state.withLock { s -> Bool in
            guard s.pending < Self.maxPending else { return false }
            s.pending += 1
            return true
        }
        guard queued else {
            lost.add(1, ordering: .relaxed)
            return
        }
        queue.async {
            self.write(line.jsonLine, path: "\(self.directory)/\(TranscriptLine.relativePath(room: line.room, date: date))")
            self.state.withLock { $0.pending -= 1 }
        }
    }

    /// Waits until every queued line is written (or failed).
    public func flush() { queue.sync {} }

    /// Closes the open file once the queue is drained.
    public func close() {
        queue.sync {
            state.withLock { s in
                if let f = s.file { Glibc.close(f.fd) }
                s.file = nil
            }
        }
    }

    private func write(_ text: String, path: String) {
        do {
            let fd = try open(path)
            try Posix.writeAll(fd, text)
            written.add(1, ordering: .relaxed)
            let recovered = state.withLock { s in
                defer { s.failing = false }
                return s.failing
            }
            if recovered { report("transcripts: writing \(path) works again") }
        } catch {
            lost.add(1, ordering: .relaxed)
            let first = state.withLock { s in
                // A file that failed is reopened next time (it may have been removed).
                if let f = s.file { Glibc.close(f.fd) }
                s.file = nil
                defer { s.failing = true }
                return !s.failing
            }
            if first { report("transcripts: cannot write \(path): \(error.reason); lines are lost until it works again") }
        }
    }

    private func open(_ path: String) throws(PosixError) -> Int32 {
        if let f = state.withLock({ $0.file }), f.path == path { return f.fd }
        if let slash = path.lastIndex(of: "/") { try Posix.makeDirectories(String(path[..<slash])) }
        let fd = try Posix.call("open") { Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644) }
        state.withLock { s in
            if let f = s.file { Glibc.close(f.fd) }
            s.file = (path, fd)
        }
        return fd
    }
}
