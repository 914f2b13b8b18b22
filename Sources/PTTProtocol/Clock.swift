/// Where time comes from: nanoseconds on a monotonic clock since an arbitrary fixed point,
/// the one representation of time across the cores. Shells read `MonotonicClock` (PTTSystem);
/// tests give a `ManualClock`. Cores never read a clock: they take `now` as an argument, or
/// a `Clock` where a shell must read the time for them.
public protocol Clock: Sendable {
    func now() -> UInt64
}

/// A clock that moves only when told: for tests and simulations.
public final class ManualClock: Clock, @unchecked Sendable {
    // Tests drive it from one thread at a time.
    private var nanos: UInt64

    public init(_ start: UInt64 = 0) { nanos = start }

    public func now() -> UInt64 { nanos }

    /// Moves the clock forward by `nanos`.
    public func advance(by nanos: UInt64) { self.nanos &+= nanos }

    /// Sets the clock (never backwards: a monotonic clock does not go back).
    public func set(_ value: UInt64) { nanos = max(nanos, value) }
}

/// Units for writing times in nanoseconds: `20 * .millisecond`.
extension UInt64 {
    public static let microsecond: UInt64 = 1_000
    public static let millisecond: UInt64 = 1_000_000
    public static let second: UInt64 = 1_000_000_000
}
