import NIOCore

/// Nanoseconds on the monotonic clock: the time every PTTCore state machine is fed.
@inline(__always) func monotonicNanos() -> UInt64 { NIODeadline.now().uptimeNanoseconds }
