// PTTSystem: the one place the shells meet the operating system's plain calls.
//
// Holds: the POSIX funnel (`Posix.call`: a call retried on EINTR, a failure as `PosixError`
// with a typed `Errno` and the call's name), whole-file reads and whole-buffer writes built on
// it, the monotonic clock (`MonotonicClock`) every shell reads time from, the wall clock in UTC
// (`UTCTime`), the process's environment (`Environment.variables()`) and the log line the relay
// and the client both write (`LogLine`, text or JSON).
//
// Imports: Glibc and swift-system (for `Errno`). Every shell may import it; no core does: the
// cores take time as `UInt64` nanoseconds passed in (see `Clock` in PTTProtocol).
//
// Threads: stateless; safe from any thread. `Posix.writeAll(_:_:_:)` on a raw pointer
// allocates nothing and may run in a signal handler.
