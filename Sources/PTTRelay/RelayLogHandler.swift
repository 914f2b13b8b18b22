#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import PTTCore

/// Writes one line per log event to stderr, as text (`2026-01-02T03:04:05.678Z info join room=x id=7`)
/// or as JSON (`{"ts":…,"level":"info","msg":"join","room":"x","id":"7"}`).
public struct RelayLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let format: RelaySettings.LogFormat
    /// Where lines go: standard error unless a log file was opened.
    let fd: Int32

    public init(label: String, level: Logger.Level, format: RelaySettings.LogFormat, fd: Int32 = 2) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.fd = fd
    }

    /// A logger for the relay as the settings ask for it.
    public static func logger(for settings: RelaySettings) -> Logger {
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        return Logger(label: "ptt-relay") { RelayLogHandler(label: $0, level: level, format: settings.logFormat) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let m = event.metadata { all.merge(m) { $1 } }
        let keys = all.keys.sorted()
        let line: String
        switch format {
        case .text:
            var s = "\(Self.timestamp()) \(event.level) \(event.message)"
            for k in keys { s += " \(k)=\(all[k].map { "\($0)" } ?? "")" }
            line = s
        case .json:
            var o = JSONObject([("ts", .string(Self.timestamp())), ("level", .string(event.level.rawValue)), ("msg", .string("\(event.message)"))])
            for k in keys where o[k] == nil { o[k] = .string(all[k].map { "\($0)" } ?? "") }
            line = JSONValue.object(o).jsonText
        }
        writeOut(line + "\n", fd: fd)
    }

    /// The current UTC time, ISO 8601 with milliseconds.
    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = time_t(ts.tv_sec)
        var tm = tm()
        gmtime_r(&t, &tm)
        func pad(_ v: Int32, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        return "\(pad(tm.tm_year + 1900, 4))-\(pad(tm.tm_mon + 1, 2))-\(pad(tm.tm_mday, 2))T\(pad(tm.tm_hour, 2)):\(pad(tm.tm_min, 2)):\(pad(tm.tm_sec, 2)).\(pad(Int32(ts.tv_nsec / 1_000_000), 3))Z"
    }
}

/// Writes all of `text` to a file descriptor (1: standard output, 2: standard error), unbuffered.
func writeOut(_ text: String, fd: Int32) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeMutableBytes { raw in
            write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
        }
        if n <= 0 { if n < 0 && errno == EINTR { continue }; return }
        offset += n
    }
}
