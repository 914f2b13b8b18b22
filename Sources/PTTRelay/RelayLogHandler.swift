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

/// The relay's logger: `LineLogHandler` lines (text or JSON) on standard error.
enum RelayLog {
    /// A logger for the relay as the settings ask for it.
    static func logger(for settings: RelaySettings) -> Logger {
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        let format: LogLine.Format = settings.logFormat == .json ? .json : .text
        return Logger(label: "ptt-relay") { _ in LineLogHandler(level: level, format: format) }
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
