import Testing
@testable import PTTRelayCore

/// `/metrics` is read by scrapers: its text stays byte for byte what it was, metric by metric.
@Suite struct RelayMetricsTests {
    @Test func prometheusTextGolden() {
        var m = RelayMetrics()
        m[.connections] = 3
        m[.members] = 2
        m[.rooms] = 1
        m[.connectionsTotal] = 9
        m[.framesIn] = 100
        m[.bytesIn] = 6000
        m[.framesOut] = 200
        m[.bytesOut] = 12000
        m[.textIn] = 4
        m[.textOut] = 5
        m[.droppedFrames] = 6
        m[labelled: .closes] = [.init("1000", 2), .init("4408", 1)]
        m[labelled: .denies] = [.init("floor-taken", 7)]
        m[.recordedSpurts] = 8
        m[.recordingErrors] = 0
        m[.recordingDropped] = 1
        m[.fastPathTakeovers] = 3
        #expect(m.prometheusText == """
            # HELP ptt_relay_connections Open WebSocket connections.
            # TYPE ptt_relay_connections gauge
            ptt_relay_connections 3
            # HELP ptt_relay_members Connections welcomed into a room.
            # TYPE ptt_relay_members gauge
            ptt_relay_members 2
            # HELP ptt_relay_rooms Rooms with at least one member.
            # TYPE ptt_relay_rooms gauge
            ptt_relay_rooms 1
            # HELP ptt_relay_connections_total WebSocket connections accepted.
            # TYPE ptt_relay_connections_total counter
            ptt_relay_connections_total 9
            # HELP ptt_relay_frames_in_total Audio frames received.
            # TYPE ptt_relay_frames_in_total counter
            ptt_relay_frames_in_total 100
            # HELP ptt_relay_bytes_in_total Audio bytes received.
            # TYPE ptt_relay_bytes_in_total counter
            ptt_relay_bytes_in_total 6000
            # HELP ptt_relay_frames_out_total Audio frames sent.
            # TYPE ptt_relay_frames_out_total counter
            ptt_relay_frames_out_total 200
            # HELP ptt_relay_bytes_out_total Audio bytes sent.
            # TYPE ptt_relay_bytes_out_total counter
            ptt_relay_bytes_out_total 12000
            # HELP ptt_relay_text_in_total Control messages received.
            # TYPE ptt_relay_text_in_total counter
            ptt_relay_text_in_total 4
            # HELP ptt_relay_text_out_total Control messages sent.
            # TYPE ptt_relay_text_out_total counter
            ptt_relay_text_out_total 5
            # HELP ptt_relay_dropped_frames_total Audio frames dropped for slow receivers.
            # TYPE ptt_relay_dropped_frames_total counter
            ptt_relay_dropped_frames_total 6
            # HELP ptt_relay_closes_total Connections closed by the relay, by close code.
            # TYPE ptt_relay_closes_total counter
            ptt_relay_closes_total{code="1000"} 2
            ptt_relay_closes_total{code="4408"} 1
            # HELP ptt_relay_denies_total deny messages sent, by reason.
            # TYPE ptt_relay_denies_total counter
            ptt_relay_denies_total{reason="floor-taken"} 7
            # HELP ptt_relay_recorded_spurts_total Talk spurts written to recordings.
            # TYPE ptt_relay_recorded_spurts_total counter
            ptt_relay_recorded_spurts_total 8
            # HELP ptt_relay_recording_errors_total Failures writing recordings or telemetry (the relay keeps relaying).
            # TYPE ptt_relay_recording_errors_total counter
            ptt_relay_recording_errors_total 0
            # HELP ptt_relay_recording_dropped_total Recording work dropped because the writer fell behind.
            # TYPE ptt_relay_recording_dropped_total counter
            ptt_relay_recording_dropped_total 1
            # HELP ptt_relay_fast_path_takeovers_total Connections whose audio frames moved to the event loop's fast path.
            # TYPE ptt_relay_fast_path_takeovers_total counter
            ptt_relay_fast_path_takeovers_total 3
            # HELP ptt_relay_cluster_connected 1 while the relay's NATS connection (--cluster) is up; 0 when it is down or there is no cluster.
            # TYPE ptt_relay_cluster_connected gauge
            ptt_relay_cluster_connected 0

            """)
    }
}
