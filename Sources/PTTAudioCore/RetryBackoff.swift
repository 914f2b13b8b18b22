import PTTProtocol

/// When to try a missing or failed audio device again: 0.25 s doubling to 5 s. A device
/// that fails soon after it opened (a flapping USB headset) keeps the backoff growing; one
/// that ran for a while starts again from the shortest delay. Times in nanoseconds.
public struct RetryBackoff: Sendable {
    public var initialNanos: UInt64 = 250_000_000
    public var maximumNanos: UInt64 = 5_000_000_000
    /// A device that ran this long before failing counts as having worked.
    public var stableNanos: UInt64 = 5_000_000_000
    private var next: UInt64
    private var openedAt: UInt64?

    public init() { next = initialNanos }

    /// The delay the next failure will get.
    public var nextDelayNanos: UInt64 { next }

    /// Opening failed: returns how long to wait before the next attempt.
    public mutating func failed() -> UInt64 {
        let d = next
        next = min(next * 2, maximumNanos)
        return d
    }

    /// The device opened at `now`.
    public mutating func opened(at now: UInt64) { openedAt = now }

    /// The open device failed at `now`: returns how long to wait before reopening.
    public mutating func lost(at now: UInt64) -> UInt64 {
        if let openedAt, elapsed(from: openedAt, to: now) >= stableNanos { next = initialNanos }
        openedAt = nil
        return failed()
    }
}
