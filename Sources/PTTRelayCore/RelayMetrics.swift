/// A snapshot of a relay's counters, rendered as Prometheus text for `GET /metrics`.
public struct RelayMetrics: Equatable, Sendable {
    public var connections = 0
    public var members = 0
    public var rooms = 0
    public var connectionsTotal: UInt64 = 0
    public var framesIn: UInt64 = 0
    public var bytesIn: UInt64 = 0
    public var framesOut: UInt64 = 0
    public var bytesOut: UInt64 = 0
    public var textIn: UInt64 = 0
    public var textOut: UInt64 = 0
    public var droppedFrames: UInt64 = 0
    public var closes: [UInt16: UInt64] = [:]
    public var denies: [String: UInt64] = [:]
    /// Talk spurts written to recordings, and failures writing them (full or unwritable disk).
    public var recordedSpurts: UInt64 = 0
    public var recordingErrors: UInt64 = 0
    /// Recording work dropped because the writer could not keep up.
    public var recordingDropped: UInt64 = 0

    public init() {}

    /// The Prometheus text exposition format (version 0.0.4).
    public var prometheusText: String {
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, UInt64)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, v) in samples { out += "\(name)\(labels) \(v)\n" }
        }
        metric("ptt_relay_connections", "gauge", "Open WebSocket connections.", [("", UInt64(connections))])
        metric("ptt_relay_members", "gauge", "Connections welcomed into a room.", [("", UInt64(members))])
        metric("ptt_relay_rooms", "gauge", "Rooms with at least one member.", [("", UInt64(rooms))])
        metric("ptt_relay_connections_total", "counter", "WebSocket connections accepted.", [("", connectionsTotal)])
        metric("ptt_relay_frames_in_total", "counter", "Audio frames received.", [("", framesIn)])
        metric("ptt_relay_bytes_in_total", "counter", "Audio bytes received.", [("", bytesIn)])
        metric("ptt_relay_frames_out_total", "counter", "Audio frames sent.", [("", framesOut)])
        metric("ptt_relay_bytes_out_total", "counter", "Audio bytes sent.", [("", bytesOut)])
        metric("ptt_relay_text_in_total", "counter", "Control messages received.", [("", textIn)])
        metric("ptt_relay_text_out_total", "counter", "Control messages sent.", [("", textOut)])
        metric("ptt_relay_dropped_frames_total", "counter", "Audio frames dropped for slow receivers.", [("", droppedFrames)])
        metric("ptt_relay_closes_total", "counter", "Connections closed by the relay, by close code.",
               closes.keys.sorted().map { ("{code=\"\($0)\"}", closes[$0] ?? 0) })
        metric("ptt_relay_denies_total", "counter", "deny messages sent, by reason.",
               denies.keys.sorted().map { ("{reason=\"\($0)\"}", denies[$0] ?? 0) })
        metric("ptt_relay_recorded_spurts_total", "counter", "Talk spurts written to recordings.", [("", recordedSpurts)])
        metric("ptt_relay_recording_errors_total", "counter", "Failures writing recordings or telemetry (the relay keeps relaying).", [("", recordingErrors)])
        metric("ptt_relay_recording_dropped_total", "counter", "Recording work dropped because the writer fell behind.", [("", recordingDropped)])
        return out
    }
}
