/// Nanoseconds from `start` to `now` on a monotonic clock; 0 when `start` is the later one.
///
/// Threads sample the time before they take a lock, so state under the lock may already
/// hold a time later than the `now` a timer brings: a frame heard at t+1 by one thread,
/// then a check at t by another. Wrapping subtraction would turn that into 584 years of
/// silence (an idle close, a spurt cut off).
@inlinable public func elapsed(from start: UInt64, to now: UInt64) -> UInt64 {
    now > start ? now - start : 0
}
