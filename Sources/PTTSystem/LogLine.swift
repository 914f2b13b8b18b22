import PTTProtocol

/// One log line as the relay and the client write it, as text
/// (`2026-01-02T03:04:05.678Z info join room=x id=7`) or as JSON
/// (`{"ts":…,"level":"info","msg":"join","room":"x","id":"7"}`). Each program's log handler
/// (swift-log's `LogHandler`) hands its events here, so both write the same lines.
public enum LogLine {
    public enum Format: String, Equatable, Sendable { case text, json }

    /// The line, without its newline; `metadata` is written in key order.
    public static func render(_ format: Format, wallNanos: Int64, level: String, message: String, metadata: [String: String]) -> String {
        let time = UTCTime(wallNanos: wallNanos).iso8601
        let keys = metadata.keys.sorted()
        switch format {
        case .text:
            var s = "\(time) \(level) \(message)"
            for k in keys { s += " \(k)=\(metadata[k] ?? "")" }
            return s
        case .json:
            var o = JSONObject([("ts", .string(time)), ("level", .string(level)), ("msg", .string(message))])
            for k in keys where o[k] == nil { o[k] = .string(metadata[k] ?? "") }
            return JSONValue.object(o).jsonText
        }
    }
}
