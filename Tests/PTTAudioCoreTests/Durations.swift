/// Durations in nanoseconds, the unit of time throughout: `20 * ms`, `100 * us`. The tests keep
/// their clocks as `Int` nanoseconds and pass instants as `UInt64(now)`.
let us = 1_000
let ms = 1_000_000
