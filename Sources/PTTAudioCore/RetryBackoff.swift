/// When to try a missing or failed audio device again: 0.25 s doubling to 5 s. A device
/// that fails soon after it opened (a flapping USB headset) keeps the backoff growing; one
/// that ran for a while starts again from the shortest delay. Times in nanoseconds.
public struct RetryBackoff: Sendable {
    public var initialNanos: Int64 = 250_000_000
    public var maximumNanos: Int64 = 5_000_000_000
    /// A device that ran this long before failing counts as having worked.
    public var stableNanos: Int64 = 5_000_000_000
    private var next: Int64
    private var openedAt: Int64?

    public init() { next = initialNanos }

    /// The delay the next failure will get.
    public var nextDelayNanos: Int64 { next }

    /// Opening failed: returns how long to wait before the next attempt.
    public mutating func failed() -> Int64 {
        let d = next
        next = min(next * 2, maximumNanos)
        return d
    }

    /// The device opened at `now`.
    public mutating func opened(at now: Int64) { openedAt = now }

    /// The open device failed at `now`: returns how long to wait before reopening.
    public mutating func lost(at now: Int64) -> Int64 {
        if let openedAt, now - openedAt >= stableNanos { next = initialNanos }
        openedAt = nil
        return failed()
    }
}
