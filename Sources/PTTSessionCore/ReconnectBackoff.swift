import PTTProtocol

/// Exponential backoff with jitter for reconnects (PROTOCOL.md §4): 0.5 s doubling to 30 s.
/// Times in nanoseconds.
///
/// Jitter is "equal jitter": half the delay fixed, half random, so clients that lost the
/// same relay at the same moment spread out without any of them retrying at once.
public struct ReconnectBackoff: Equatable, Sendable {
    public var initial: UInt64 = 500 * .millisecond
    public var maximum: UInt64 = 30 * .second
    /// First delay after a close that asks for backoff (1008, 4408).
    public var afterBackoffInitial: UInt64 = 4 * .second
    /// First delay after `room-full` (4413).
    public var slowInitial: UInt64 = 15 * .second
    /// A connection that stayed up this long resets the backoff.
    public var stableAfter: UInt64 = 10 * .second

    /// Consecutive failed attempts since the last stable connection.
    public private(set) var attempts = 0

    public init() {}

    /// The delay before the next attempt. `random` is uniform in 0..<1 (injected for tests).
    public mutating func nextDelay(_ rule: ReconnectRule, random: Double) -> UInt64? {
        let floor: UInt64
        switch rule {
        case .never: return nil
        case .soon: floor = initial
        case .afterBackoff: floor = afterBackoffInitial
        case .slowly: floor = slowInitial
        }
        var base = initial
        for _ in 0..<min(attempts, 16) { base = min(base * 2, maximum) }
        base = min(max(base, floor), maximum)
        attempts += 1
        let r = min(max(random, 0), 0.999_999)
        return base / 2 + UInt64(Double(base / 2) * r)
    }

    /// A connection that has been up for `uptime` closed: resets when it was stable.
    public mutating func connectionEnded(uptime: UInt64) {
        if uptime >= stableAfter { attempts = 0 }
    }

    /// Forget all failures (e.g. the user asked to reconnect now).
    public mutating func reset() { attempts = 0 }
}
