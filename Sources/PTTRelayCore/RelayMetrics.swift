/// The relay's metrics, each declared once here: its name, type and help, and whether it is
/// a counter the relay bumps, a gauge sampled when `/metrics` is read, or a family labelled by
/// close code or deny reason. `Counters` (PTTRelay) keeps one atomic per `counted` metric and
/// `RelayMetrics.prometheusText` renders them all in this order: a new metric is one case here.
public enum RelayMetric: Int, CaseIterable, Sendable {
    case connections, members, rooms, connectionsTotal, framesIn, bytesIn, framesOut, bytesOut, textIn, textOut, droppedFrames
    case closes, denies, recordedSpurts, recordingErrors, recordingDropped, fastPathTakeovers, clusterConnected

    public enum Kind: String, Sendable { case gauge, counter }

    /// How the relay keeps a metric's value.
    public enum Source: Equatable, Sendable {
        /// An atomic the hot path adds to (a gauge's may also go down).
        case counted
        /// Read from the rooms when `/metrics` is asked for.
        case sampled
        /// Counts by the value of one label.
        case labelled(String)
    }

    public var name: String {
        switch self {
        case .connections: return "ptt_relay_connections"
        case .members: return "ptt_relay_members"
        case .rooms: return "ptt_relay_rooms"
        case .connectionsTotal: return "ptt_relay_connections_total"
        case .framesIn: return "ptt_relay_frames_in_total"
        case .bytesIn: return "ptt_relay_bytes_in_total"
        case .framesOut: return "ptt_relay_frames_out_total"
        case .bytesOut: return "ptt_relay_bytes_out_total"
        case .textIn: return "ptt_relay_text_in_total"
        case .textOut: return "ptt_relay_text_out_total"
        case .droppedFrames: return "ptt_relay_dropped_frames_total"
        case .closes: return "ptt_relay_closes_total"
        case .denies: return "ptt_relay_denies_total"
        case .recordedSpurts: return "ptt_relay_recorded_spurts_total"
        case .recordingErrors: return "ptt_relay_recording_errors_total"
        case .recordingDropped: return "ptt_relay_recording_dropped_total"
        case .fastPathTakeovers: return "ptt_relay_fast_path_takeovers_total"
        case .clusterConnected: return "ptt_relay_cluster_connected"
        }
    }

    public var kind: Kind {
        switch self {
        case .connections, .members, .rooms, .clusterConnected: return .gauge
        default: return .counter
        }
    }

    public var source: Source {
        switch self {
        case .members, .rooms, .clusterConnected: return .sampled
        case .closes: return .labelled("code")
        case .denies: return .labelled("reason")
        default: return .counted
        }
    }

    public var help: String {
        switch self {
        case .connections: return "Open WebSocket connections."
        case .members: return "Connections welcomed into a room."
        case .rooms: return "Rooms with at least one member."
        case .connectionsTotal: return "WebSocket connections accepted."
        case .framesIn: return "Audio frames received."
        case .bytesIn: return "Audio bytes received."
        case .framesOut: return "Audio frames sent."
        case .bytesOut: return "Audio bytes sent."
        case .textIn: return "Control messages received."
        case .textOut: return "Control messages sent."
        case .droppedFrames: return "Audio frames dropped for slow receivers."
        case .closes: return "Connections closed by the relay, by close code."
        case .denies: return "deny messages sent, by reason."
        case .recordedSpurts: return "Talk spurts written to recordings."
        case .recordingErrors: return "Failures writing recordings or telemetry (the relay keeps relaying)."
        case .recordingDropped: return "Recording work dropped because the writer fell behind."
        case .fastPathTakeovers: return "Connections whose audio frames moved to the event loop's fast path."
        case .clusterConnected: return "1 while the relay's NATS connection (--cluster) is up; 0 when it is down or there is no cluster."
        }
    }
}

/// A snapshot of a relay's metrics, rendered as Prometheus text for `GET /metrics`.
public struct RelayMetrics: Equatable, Sendable {
    /// One value of a labelled metric.
    public struct Labelled: Equatable, Sendable {
        public var label: String
        public var value: UInt64
        public init(_ label: String, _ value: UInt64) {
            self.label = label
            self.value = value
        }
    }

    private var values = [UInt64](repeating: 0, count: RelayMetric.allCases.count)
    private var families: [RelayMetric: [Labelled]] = [:]

    public init() {}

    /// An unlabelled metric's value.
    public subscript(metric: RelayMetric) -> UInt64 {
        get { values[metric.rawValue] }
        set { values[metric.rawValue] = newValue }
    }

    /// A labelled metric's values, in the order they are rendered.
    public subscript(labelled metric: RelayMetric) -> [Labelled] {
        get { families[metric] ?? [] }
        set { families[metric] = newValue }
    }

    /// The Prometheus text exposition format (version 0.0.4), every metric in declaration order.
    public var prometheusText: String {
        var out = ""
        for metric in RelayMetric.allCases {
            out += "# HELP \(metric.name) \(metric.help)\n# TYPE \(metric.name) \(metric.kind.rawValue)\n"
            if case .labelled(let label) = metric.source {
                for l in self[labelled: metric] { out += "\(metric.name){\(label)=\"\(l.label)\"} \(l.value)\n" }
            } else {
                out += "\(metric.name) \(self[metric])\n"
            }
        }
        return out
    }
}
