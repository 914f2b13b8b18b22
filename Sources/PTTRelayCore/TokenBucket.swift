/// A token bucket for message rates, as the generic cell rate algorithm: `rate` tokens per
/// second, at most `burst` at once. Time is passed in (nanoseconds on any monotonic clock),
/// so tests drive it without sleeping.
public struct TokenBucket: Equatable, Sendable {
    /// Nanoseconds between two tokens.
    public let interval: UInt64
    /// How far ahead of the steady rate a burst may run, in nanoseconds.
    public let tolerance: UInt64
    /// When the bucket would be empty again at the steady rate (the "theoretical arrival time").
    private var tat: UInt64

    /// A bucket of `rate` tokens per second (> 0) holding at most `burst` (≥ 1), full at `now`.
    public init(rate: Int, burst: Int, now: UInt64) {
        let interval = 1_000_000_000 / UInt64(max(rate, 1))
        self.interval = max(interval, 1)
        self.tolerance = self.interval * UInt64(max(burst, 1) - 1)
        self.tat = now
    }

    /// Takes one token at `now`; false when the bucket is empty (the message is over the rate).
    public mutating func take(now: UInt64) -> Bool {
        let start = max(tat, now)
        guard start - now <= tolerance else { return false }
        tat = start + interval
        return true
    }

    /// Whether the whole burst is available at `now` (the bucket remembers nothing of the past).
    public func isFull(now: UInt64) -> Bool { tat <= now }
}
