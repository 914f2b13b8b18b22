#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import PTTRelayCore
import Synchronization
import PTTSystem
import SystemPackage

/// Writes one line per log event to stderr (`LogLine`: text or JSON).
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
        let line = LogLine.render(format == .json ? .json : .text, wallNanos: wallNanos(), level: event.level.rawValue,
                                  message: "\(event.message)", metadata: all.mapValues { "\($0)" })
        writeOut(line + "\n", fd: fd)
    }
}

/// Hummingbird's own log lines, silenced once the relay is stopping (cancelling the server
/// logs its cancellation as an error, which is not one).
struct QuietOnShutdownLogHandler: LogHandler {
    var base: any LogHandler
    let stopping: StopFlag

    final class StopFlag: Sendable {
        let value = Atomic<Bool>(false)
    }

    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }
    var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        guard !stopping.value.load(ordering: .relaxed) else { return }
        base.log(event: event)
    }
}

/// Writes all of `text` to a file descriptor (1: standard output, 2: standard error), unbuffered.
func writeOut(_ text: String, fd: Int32) {
    writeAll(Array(text.utf8), to: fd)
}

/// Writes all of `bytes` to a file descriptor (`Posix.writeAll`); the error, or nil when all
/// was written.
@discardableResult
func writeAll(_ bytes: [UInt8], to fd: Int32) -> Errno? {
    bytes.withUnsafeBytes { buffer in buffer.baseAddress.flatMap { Posix.writeAll(fd, $0, buffer.count) } }
}
