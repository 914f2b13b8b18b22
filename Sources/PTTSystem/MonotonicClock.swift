import Glibc
import PTTProtocol

/// The monotonic clock (`CLOCK_MONOTONIC`) every shell reads: nanoseconds since an arbitrary
/// fixed point, the time every core is given. Timed waits on condition variables use the
/// same clock.
public struct MonotonicClock: Clock {
    public init() {}

    /// Nanoseconds since an arbitrary fixed point.
    @inline(__always)
    public static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    public func now() -> UInt64 { Self.now() }

    /// Suspends the calling task until `deadline` on this clock (returns at once when it has
    /// passed); throws `CancellationError` when the task is cancelled.
    public static func sleep(until deadline: UInt64) async throws {
        try await Task.sleep(for: .nanoseconds(elapsed(from: now(), to: deadline)))
    }

    /// Sleeps for `nanos` nanoseconds, again after an interruption (no-op for 0).
    public static func sleep(nanos: UInt64) {
        guard nanos > 0 else { return }
        var ts = timespec(tv_sec: Int(nanos / 1_000_000_000), tv_nsec: Int(nanos % 1_000_000_000))
        var rest = timespec()
        while nanosleep(&ts, &rest) != 0 && errno == EINTR { ts = rest }
    }
}

/// Nanoseconds since the Unix epoch on the wall clock: for timestamps, never for timeouts.
public func wallNanos() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}
