import PTTProtocol

extension JitterBuffer.Statistics {
    /// The statistics as the `stats` event of `ptt join --json` reports them for one speaker.
    public func jsonObject(id: UInt32, trimmedPeriods: Int = 0) -> JSONObject {
        JSONObject([
            ("id", .int(Int64(id))),
            ("received", .int(Int64(received))), ("played", .int(Int64(played))),
            ("lost", .int(Int64(lost))), ("late", .int(Int64(late))), ("duplicates", .int(Int64(duplicates))),
            ("concealed", .int(Int64(concealed))), ("recovered", .int(Int64(recovered))),
            ("underruns", .int(Int64(underruns))), ("dropped", .int(Int64(dropped))), ("spurts", .int(Int64(spurts))),
            ("trimmed_periods", .int(Int64(trimmedPeriods))),
            ("depth", .int(Int64(depth))), ("target", .int(Int64(target))), ("jitter_us", .int(Int64(jitterMicros))),
        ])
    }
}
