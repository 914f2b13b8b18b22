/// 48 kHz samples and nanoseconds, one into the other without accumulating rounding:
/// 48 samples a millisecond, so one sample is 62,500/3 ns.
enum SampleTime {
    /// Nanoseconds of `samples` at 48 kHz.
    @inline(__always) static func nanos(_ samples: Int) -> Int { samples * 62_500 / 3 }

    /// 48 kHz samples in `nanos` (rounded down).
    @inline(__always) static func samples(_ nanos: Int) -> Int { nanos * 3 / 62_500 }
}
