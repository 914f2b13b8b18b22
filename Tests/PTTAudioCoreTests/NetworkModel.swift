import PTTProtocol

/// Arrival times of one speaker's packets over a TCP-like path: jitter without overtaking
/// (a packet cannot arrive before its predecessor), stalls after which the backlog arrives at
/// once, and a sender clock off by some ppm. Deterministic for a seed.
struct NetworkModel {
    var frameNanos = 20 * ms
    /// Constant path delay.
    var baseNanos = 5 * ms
    /// Each packet is delayed by a uniform 0..<jitterNanos more.
    var jitterNanos = 0
    /// A stall of `stallNanos` starts every `stallEveryNanos` (0: none): nothing arrives
    /// during it, then everything held arrives at its end.
    var stallEveryNanos = 0
    var stallNanos = 400 * ms
    /// Sender's clock rate error: positive sends slower than the receiver's clock.
    var senderPPM = 0.0
    var seed: UInt64 = 1

    /// When the sender finished frame `i` (frames are sent when complete).
    func sent(_ i: Int) -> Int {
        Int((Double((i + 1) * frameNanos) * (1 + senderPPM / 1_000_000)).rounded())
    }

    /// Arrival times (ns) of frames 0..<count of a spurt the sender starts at `start`.
    func arrivals(count: Int, start: Int = 0) -> [Int] {
        var random = SplitMix64(seed: seed &+ UInt64(start))
        var out: [Int] = []
        out.reserveCapacity(count)
        var previous = Int.min
        for i in 0..<count {
            var t = start + sent(i) + baseNanos + Int(random.unit() * Double(jitterNanos))
            t = max(t, previous)
            if stallEveryNanos > 0 {
                let phase = t % stallEveryNanos
                if t >= stallEveryNanos && phase < stallNanos { t += stallNanos - phase }
            }
            out.append(t)
            previous = t
        }
        return out
    }

    /// Ends of the stalls before `nanos`.
    func stallEnds(before nanos: Int) -> [Int] {
        guard stallEveryNanos > 0 else { return [] }
        return stride(from: stallEveryNanos, to: nanos, by: stallEveryNanos).map { $0 + stallNanos }
    }
}
