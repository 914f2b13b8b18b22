#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOPosix
import PTTCore
import Synchronization

/// `ptt relay --record DIR`: every talk spurt as an Ogg Opus file of the packets as received
/// (no re-encoding) under `DIR/ROOM/DATE/`, and a JSON-lines telemetry log per room beside them.
///
/// Threads: rooms call `event` and `audio` with their mutex held; those only append to a
/// bounded queue (dropping audio, counted, when the writer is behind). All file I/O happens
/// on one thread of a private NIO thread pool, so a slow or full disk never stalls relaying.
/// Pages are written as they fill, so a spurt cut short by a crash is still a valid file.
final class RelayRecorder: Sendable {
    enum Item: Sendable {
        case event(room: String, RoomActivity.Event, wallNanos: Int64)
        case audio(room: String, id: UInt32, payload: [UInt8])
    }

    static let maxQueued = 20_000
    let directory: String
    let counters: Counters
    let logger: Logger
    let pool: NIOThreadPool
    let queue = Mutex<(items: [Item], scheduled: Bool)>(([], false))
    let writer = Mutex(Writer())

    init(directory: String, counters: Counters, logger: Logger) {
        self.directory = directory
        self.counters = counters
        self.logger = logger
        pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
    }

    func event(_ e: RoomActivity.Event, room: String) {
        enqueue(.event(room: room, e, wallNanos: Self.wallNanos()), dropIfFull: false)
    }

    func audio(room: String, id: UInt32, payload: [UInt8]) {
        enqueue(.audio(room: room, id: id, payload: payload), dropIfFull: true)
    }

    private func enqueue(_ item: Item, dropIfFull: Bool) {
        let schedule = queue.withLock { q -> Bool in
            if dropIfFull, q.items.count >= Self.maxQueued {
                counters.recordingDropped.add(1)
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
                for item in items { w.handle(item, directory: directory, counters: counters, logger: logger) }
            }
        }
    }

    /// Finishes every open spurt and closes the files (at shutdown).
    func finish() async {
        try? await pool.runIfActive { [self] in
            drain()
            writer.withLock { $0.closeAll(counters: counters) }
        }
        try? await pool.shutdownGracefully()
    }

    static func wallNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// State of the writer thread only.
    struct Writer: Sendable {
        struct Spurt: Sendable {
            var fd: Int32
            var ogg: OggOpusWriter
            var path: String
        }
        var spurts: [String: Spurt] = [:]
        var telemetry: [String: (fd: Int32, date: String)] = [:]
        var failing = false

        mutating func handle(_ item: Item, directory: String, counters: Counters, logger: Logger) {
            switch item {
            case .event(let room, let e, let wall):
                let (date, time, iso) = Self.clock(wall)
                writeTelemetry(e.telemetryLine(room: room, time: iso) + "\n", room: room, date: date, directory: directory, counters: counters, logger: logger)
                switch e {
                case .talkStarted(let id, let name):
                    closeSpurt("\(room)/\(id)", counters: counters, logger: logger)
                    openSpurt(room: room, id: id, name: name, date: date, time: time, directory: directory, counters: counters, logger: logger)
                case .talkStopped(let id, _, _):
                    closeSpurt("\(room)/\(id)", counters: counters, logger: logger)
                case .left(let id, _):
                    closeSpurt("\(room)/\(id)", counters: counters, logger: logger)
                default:
                    break
                }
            case .audio(let room, let id, let payload):
                let key = "\(room)/\(id)"
                guard var spurt = spurts[key] else { return }
                if let page = spurt.ogg.append(payload), !page.isEmpty {
                    if !write(page, to: spurt.fd) { fail("writing \(spurt.path)", counters: counters, logger: logger) }
                }
                spurts[key] = spurt
            }
        }

        mutating func openSpurt(room: String, id: UInt32, name: String, date: String, time: String, directory: String,
                                counters: Counters, logger: Logger) {
            let dir = "\(directory)/\(room)/\(date)"
            guard makeDirectories(dir) else { return fail("creating \(dir)", counters: counters, logger: logger) }
            let path = "\(dir)/\(time)-\(Self.fileSafe(name))-\(id).opus"
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return fail("creating \(path)", counters: counters, logger: logger) }
            var ogg = OggOpusWriter(serial: id, preSkip: 312)
            guard write(ogg.header(comments: ["ROOM=\(room)", "SPEAKER=\(name)"]), to: fd) else {
                close(fd)
                return fail("writing \(path)", counters: counters, logger: logger)
            }
            spurts["\(room)/\(id)"] = Spurt(fd: fd, ogg: ogg, path: path)
        }

        mutating func closeSpurt(_ key: String, counters: Counters, logger: Logger) {
            guard var spurt = spurts.removeValue(forKey: key) else { return }
            let ok = write(spurt.ogg.finish(), to: spurt.fd)
            close(spurt.fd)
            if ok { counters.recordedSpurts.add(1) } else { fail("writing \(spurt.path)", counters: counters, logger: logger) }
        }

        mutating func closeAll(counters: Counters) {
            for key in spurts.keys { closeSpurt(key, counters: counters, logger: Logger(label: "ptt-relay")) }
            for (_, t) in telemetry { close(t.fd) }
            telemetry = [:]
        }

        mutating func writeTelemetry(_ line: String, room: String, date: String, directory: String, counters: Counters, logger: Logger) {
            if let t = telemetry[room], t.date != date {
                close(t.fd)
                telemetry[room] = nil
            }
            if telemetry[room] == nil {
                let dir = "\(directory)/\(room)/\(date)"
                guard makeDirectories(dir) else { return fail("creating \(dir)", counters: counters, logger: logger) }
                let fd = open("\(dir)/telemetry.jsonl", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
                guard fd >= 0 else { return fail("opening \(dir)/telemetry.jsonl", counters: counters, logger: logger) }
                telemetry[room] = (fd, date)
            }
            if let t = telemetry[room], !write(Array(line.utf8), to: t.fd) {
                fail("writing \(directory)/\(room)/\(date)/telemetry.jsonl", counters: counters, logger: logger)
            }
        }

        /// Counts every failure; logs the first of a run of failures, not each one.
        mutating func fail(_ what: String, counters: Counters, logger: Logger) {
            counters.recordingErrors.add(1)
            if !failing {
                failing = true
                logger.error("recording failed; relaying goes on", metadata: ["what": "\(what)", "error": "\(String(cString: strerror(errno)))"])
            }
        }

        func write(_ bytes: [UInt8], to fd: Int32) -> Bool {
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { return false }
                offset += n
            }
            return true
        }

        func makeDirectories(_ path: String) -> Bool {
            var built = ""
            for part in path.split(separator: "/", omittingEmptySubsequences: false) {
                built += (built.isEmpty && path.hasPrefix("/") ? "" : (built.isEmpty ? "" : "/")) + part
                if built.isEmpty { built = "/"; continue }
                if mkdir(built, 0o755) != 0, errno != EEXIST { return false }
            }
            return true
        }

        /// UTC date `2026-11-21`, time `143005.120` and ISO 8601 timestamp of a wall time.
        static func clock(_ wallNanos: Int64) -> (String, String, String) {
            var t = time_t(wallNanos / 1_000_000_000)
            var parts = tm()
            gmtime_r(&t, &parts)
            func pad(_ v: Int, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
            let ms = Int((wallNanos / 1_000_000) % 1000)
            let date = "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
            let hms = "\(pad(Int(parts.tm_hour), 2))\(pad(Int(parts.tm_min), 2))\(pad(Int(parts.tm_sec), 2))"
            let iso = "\(date)T\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(pad(ms, 3))Z"
            return (date, "\(hms).\(pad(ms, 3))", iso)
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
