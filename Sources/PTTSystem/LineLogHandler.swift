import Logging

/// A swift-log handler that writes one `LogLine` (text or JSON) per event to a file descriptor,
/// unbuffered: the relay's log on standard error or its log file, and `ptt join --log-file`.
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let format: LogLine.Format
    /// Where lines go: standard error unless a log file was opened.
    let fd: Int32

    public init(level: Logger.Level, format: LogLine.Format = .text, fd: Int32 = 2) {
        self.logLevel = level
        self.format = format
        self.fd = fd
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let m = event.metadata { all.merge(m) { $1 } }
        let line = LogLine.render(format, wallNanos: wallNanos(), level: event.level.rawValue,
                                  message: "\(event.message)", metadata: all.mapValues { "\($0)" })
        // A log that cannot be written has nobody to tell.
        try? Posix.writeAll(fd, line + "\n")
    }
}
