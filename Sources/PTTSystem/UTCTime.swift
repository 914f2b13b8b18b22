#if canImport(Glibc)
import Glibc
#endif

/// A wall-clock time in UTC, as log lines, telemetry and recording names write it.
public struct UTCTime: Sendable {
    public let year, month, day, hour, minute, second, millisecond: Int

    public init(wallNanos: Int64) {
        var t = time_t(wallNanos / 1_000_000_000)
        var parts = tm()
        gmtime_r(&t, &parts)
        year = Int(parts.tm_year) + 1900
        month = Int(parts.tm_mon) + 1
        day = Int(parts.tm_mday)
        hour = Int(parts.tm_hour)
        minute = Int(parts.tm_min)
        second = Int(parts.tm_sec)
        millisecond = Int((wallNanos / 1_000_000) % 1000)
    }

    /// `2026-11-21`
    public var date: String { "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))" }
    /// `143005.120`, for file names.
    public var compactTime: String { "\(Self.pad(hour, 2))\(Self.pad(minute, 2))\(Self.pad(second, 2)).\(Self.pad(millisecond, 3))" }
    /// `2026-11-21T14:30:05.120Z`
    public var iso8601: String {
        "\(date)T\(Self.pad(hour, 2)):\(Self.pad(minute, 2)):\(Self.pad(second, 2)).\(Self.pad(millisecond, 3))Z"
    }

    static func pad(_ v: Int, _ n: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, n - s.count)) + s
    }
}
