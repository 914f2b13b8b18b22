#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOPosix
import PTTRecordingCore
import PTTRelayCore
import Synchronization
import PTTSystem
import SystemPackage

/// `ptt relay --record DIR`: every talk spurt as an Ogg Opus file of the packets as received
/// (no re-encoding) under `DIR/ROOM/DATE/`, and a JSON-lines telemetry log per room beside them.
///
/// Threads: rooms call `event` and `audio` with their mutex held; those only append to a
/// bounded queue (dropping audio, counted, when the writer is behind). All file I/O happens
/// on one thread of a private NIO thread pool, so a slow or full disk never stalls relaying.
/// Pages are written as they fill, so a spurt cut short by a crash is still a valid file.
///
/// Open files are bounded: a room's telemetry log and spurts are closed when the room empties,
/// at most `maxOpenTelemetry` telemetry logs stay open (the least recently written is closed
/// first; it is opened again, for appending, when its room has more to say), and at most
/// `maxOpenSpurts` spurts are recorded at once (more are counted as recording errors).
final class RelayRecorder: Sendable {
    enum Item: Sendable {
        case event(room: String, RoomActivity.Event, wallNanos: Int64)
        /// An Opus packet: a slice of the forwarded frame, copied out on the writer thread.
        case audio(room: String, id: UInt32, payload: ByteBuffer)
        /// The room has nobody left in it: its files are closed.
        case emptied(room: String)
    }

    static let maxQueued = 20_000
    /// Telemetry logs open at once.
    static let maxOpenTelemetry = 64
    /// Spurts recorded at once.
    static let maxOpenSpurts = 512
    let counters: Counters
    let pool: NIOThreadPool
    let queue = Mutex<(items: [Item], scheduled: Bool)>(([], false))
    let writer: Mutex<Writer>

    init(directory: String, counters: Counters, logger: Logger) {
        self.counters = counters
        writer = Mutex(Writer(directory: directory, counters: counters, logger: logger))
        pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
    }

    func event(_ e: RoomActivity.Event, room: String) {
        enqueue(.event(room: room, e, wallNanos: wallNanos()), dropIfFull: false)
    }

    func audio(room: String, id: UInt32, payload: ByteBuffer) {
        enqueue(.audio(room: room, id: id, payload: payload), dropIfFull: true)
    }

    /// The room emptied: after what it queued before, its telemetry log and spurts are closed.
    func emptied(room: String) {
        enqueue(.emptied(room: room), dropIfFull: false)
    }

    private func enqueue(_ item: Item, dropIfFull: Bool) {
        let schedule = queue.withLock { q -> Bool in
            if dropIfFull, q.items.count >= Self.maxQueued {
                counters.add(.recordingDropped)
                return false
            }
            q.items.append(item)
            defer { q.scheduled = true }
            return !q.scheduled
        }
        if schedule { pool.submit { [self] _ in drain() } }
    }

    /// Writer thread: everything queued, in order.
    private func drain() {
        while true {
            let items = queue.withLock { q -> [Item] in
                if q.items.isEmpty { q.scheduled = false }
                defer { q.items = [] }
                return q.items
            }
            if items.isEmpty { return }
            writer.withLock { w in
                for item in items { w.handle(item) }
            }
        }
    }

    /// Finishes every open spurt and closes the files (at shutdown).
    func finish() async {
        try? await pool.runIfActive { [self] in
            drain()
            writer.withLock { $0.closeAll() }
        }
        try? await pool.shutdownGracefully()
    }

    /// State of the writer thread only.
    struct Writer: Sendable {
        struct Spurt: Sendable {
            var fd: Int32
            var ogg: OggOpusWriter
            var path: String
        }
        struct SpurtKey: Hashable, Sendable {
            var room: String
            var id: UInt32
        }
        let directory: String
        let counters: Counters
        let logger: Logger
        var spurts: [SpurtKey: Spurt] = [:]
        /// Open telemetry logs by room, with when each was last written (a count of lines).
        var telemetry: [String: (fd: Int32, date: String, used: UInt64)] = [:]
        var lines: UInt64 = 0
        var failing = false

        mutating func handle(_ item: Item) {
            switch item {
            case .event(let room, let e, let wall):
                let utc = UTCTime(wallNanos: wall)
                writeTelemetry(e.telemetryLine(room: room, time: utc.iso8601) + "\n", room: room, date: utc.date)
                switch e {
                case .talkStarted(let id, let name):
                    closeSpurt(SpurtKey(room: room, id: id))
                    openSpurt(room: room, id: id, name: name, date: utc.date, time: utc.compactTime)
                case .talkStopped(let id, _, _), .left(let id, _):
                    closeSpurt(SpurtKey(room: room, id: id))
                case .direct(let id, _, _, let toName):
                    markDirect(SpurtKey(room: room, id: id), to: toName)
                default:
                    break
                }
            case .emptied(let room):
                closeRoom(room)
            case .audio(let room, let id, let payload):
                // Through the index: a copy of the spurt would copy its writer's pending packets.
                guard let i = spurts.index(forKey: SpurtKey(room: room, id: id)) else { return }
                if let page = spurts.values[i].ogg.append(Array(payload.readableBytesView)), !page.isEmpty {
                    do { try Posix.writeAll(spurts.values[i].fd, page) } catch { fail("writing \(spurts.values[i].path)", error.errno) }
                }
            }
        }

        mutating func openSpurt(room: String, id: UInt32, name: String, date: String, time: String) {
            guard spurts.count < RelayRecorder.maxOpenSpurts else { return fail("recording \(room): \(RelayRecorder.maxOpenSpurts) spurts are being recorded already", .tooManyOpenFiles) }
            let dir = "\(directory)/\(room)/\(date)"
            guard makeDirectories(dir) else { return fail("creating \(dir)") }
            let path = "\(dir)/\(time)-\(Self.fileSafe(name))-\(id).opus"
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return fail("creating \(path)") }
            var ogg = OggOpusWriter(serial: id, preSkip: 312)
            do { try Posix.writeAll(fd, ogg.header(comments: ["ROOM=\(room)", "SPEAKER=\(name)"])) } catch {
                fail("writing \(path)", error.errno)
                close(fd)
                return
            }
            spurts[SpurtKey(room: room, id: id)] = Spurt(fd: fd, ogg: ogg, path: path)
        }

        /// A direct spurt's file says so: `…-NAME-ID-to-OTHER.opus` (renamed just after it was
        /// opened; the descriptor stays valid).
        mutating func markDirect(_ key: SpurtKey, to name: String) {
            guard let spurt = spurts[key], spurt.path.hasSuffix(".opus") else { return }
            let path = String(spurt.path.dropLast(5)) + "-to-\(Self.fileSafe(name)).opus"
            guard rename(spurt.path, path) == 0 else { return fail("renaming \(spurt.path)") }
            spurts[key]?.path = path
        }

        mutating func closeSpurt(_ key: SpurtKey) {
            guard var spurt = spurts.removeValue(forKey: key) else { return }
            do {
                try Posix.writeAll(spurt.fd, spurt.ogg.finish())
                counters.add(.recordedSpurts)
                failing = false
            } catch {
                fail("writing \(spurt.path)", error.errno)
            }
            close(spurt.fd)
        }

        mutating func closeAll() {
            for key in spurts.keys { closeSpurt(key) }
            for (_, t) in telemetry { close(t.fd) }
            telemetry = [:]
        }

        /// Closes a room's telemetry log and any spurt of it still open (the room emptied).
        mutating func closeRoom(_ room: String) {
            for key in spurts.keys where key.room == room { closeSpurt(key) }
            if let t = telemetry.removeValue(forKey: room) { close(t.fd) }
        }

        /// Open files: telemetry logs and spurts.
        var openFiles: Int { telemetry.count + spurts.count }

        mutating func writeTelemetry(_ line: String, room: String, date: String) {
            if let t = telemetry[room], t.date != date {
                close(t.fd)
                telemetry[room] = nil
            }
            lines &+= 1
            if let i = telemetry.index(forKey: room) {
                telemetry.values[i].used = lines
            } else {
                if telemetry.count >= RelayRecorder.maxOpenTelemetry, let oldest = telemetry.min(by: { $0.value.used < $1.value.used }) {
                    close(oldest.value.fd)
                    telemetry[oldest.key] = nil
                }
                let dir = "\(directory)/\(room)/\(date)"
                guard makeDirectories(dir) else { return fail("creating \(dir)") }
                let fd = open("\(dir)/telemetry.jsonl", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
                guard fd >= 0 else { return fail("opening \(dir)/telemetry.jsonl") }
                telemetry[room] = (fd, date, lines)
            }
            guard let t = telemetry[room] else { return }
            do {
                try Posix.writeAll(t.fd, line)
                failing = false
            } catch {
                fail("writing \(directory)/\(room)/\(date)/telemetry.jsonl", error.errno)
            }
        }

        /// Counts every failure; logs the first of a run of failures, not each one (a spurt or
        /// telemetry line written ends the run).
        /// `error`: what the failed call said (by default the thread's errno, read at the call).
        mutating func fail(_ what: String, _ error: Errno = Errno(rawValue: errno)) {
            counters.add(.recordingErrors)
            if !failing {
                failing = true
                logger.error("recording failed; relaying goes on", metadata: ["what": "\(what)", "error": "\(PosixError(error, call: "write").reason)"])
            }
        }

        /// `mkdir -p`.
        func makeDirectories(_ path: String) -> Bool {
            (try? Posix.makeDirectories(path)) != nil
        }

        /// A speaker's name as part of a file name: letters and digits kept, the rest `_`.
        static func fileSafe(_ name: String) -> String {
            let safe = String(name.unicodeScalars.prefix(32).map { s -> Character in
                s.properties.isAlphabetic || s.properties.numericType != nil || s == "-" ? Character(s) : "_"
            })
            return safe.isEmpty ? "_" : safe
        }
    }
}
