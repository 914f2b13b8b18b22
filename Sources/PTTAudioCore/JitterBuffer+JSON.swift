import PTTProtocol

extension JitterBuffer.Statistics {
    /// The statistics as the `stats` event of `ptt join --json` reports them for one speaker:
    /// the packet counts, then the playout's target and delay, the arrival delay it plans for
    /// (95th percentile), the device's pull burst, and what stretching and concealment changed,
    /// in milliseconds.
    public func jsonObject(id: UInt32) -> JSONObject {
        JSONObject([
            ("id", .int(Int64(id))),
            ("received", .int(Int64(received))), ("played", .int(Int64(played))),
            ("lost", .int(Int64(lost))), ("late", .int(Int64(late))), ("duplicates", .int(Int64(duplicates))),
            ("concealed", .int(Int64(concealed))), ("recovered", .int(Int64(recovered))),
            ("underruns", .int(Int64(underruns))), ("dropped", .int(Int64(dropped))), ("spurts", .int(Int64(spurts))),
            ("depth", .int(Int64(depth))),
            ("target_ms", Self.millis(playout.targetNanos)), ("delay_ms", Self.millis(playout.delayNanos)),
            ("arrival_p95_ms", Self.millis(playout.quantileNanos)), ("burst_ms", Self.millis(playout.burstNanos)),
            ("accelerated_ms", Self.millis(samples: playout.acceleratedSamples)),
            ("slowed_ms", Self.millis(samples: playout.expandedSamples)),
            ("waited_ms", Self.millis(samples: playout.concealedSamples)),
            ("stalls", .int(Int64(playout.stalls))),
        ])
    }

    /// Nanoseconds as milliseconds with one decimal (`12.3`).
    static func millis(_ nanos: Int) -> JSONValue {
        let tenths = (abs(nanos) + 50_000) / 100_000
        return .number("\(nanos < 0 && tenths > 0 ? "-" : "")\(tenths / 10).\(tenths % 10)")
    }

    /// 48 kHz samples as milliseconds with one decimal.
    static func millis(samples: Int) -> JSONValue { millis(SampleTime.nanos(samples)) }
}
