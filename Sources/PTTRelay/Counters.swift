import PTTProtocol
import PTTRelayCore
import Synchronization

/// The relay's counters, one atomic per `RelayMetric` the relay counts (the registry is
/// `RelayMetric`: a metric is declared there once), bumped from any task without a lock or an
/// allocation, read for `/metrics`. The labelled families (close codes, deny reasons) are rare
/// and kept behind a mutex.
///
/// Our own rather than swift-metrics with swift-prometheus (not measured against them): a
/// swift-prometheus counter is also one relaxed atomic add, but reached through swift-metrics'
/// existential handler, and its registry writes the exposition in its own order and form,
/// while `/metrics` must stay byte for byte what scrapers read; two more dependencies would
/// buy the relay nothing here.
///
/// `@unchecked Sendable`: the slots are atomics, allocated once and freed with the counters.
final class Counters: @unchecked Sendable {
    /// One slot per `RelayMetric` case, by raw value (the `sampled` and `labelled` ones stay 0).
    private let slots: UnsafeMutablePointer<Atomic<UInt64>>
    private let tallies = Mutex<(closes: [UInt16: UInt64], denies: [String: UInt64])>(([:], [:]))

    init() {
        slots = .allocate(capacity: RelayMetric.allCases.count)
        for i in 0..<RelayMetric.allCases.count { (slots + i).initialize(to: Atomic(0)) }
    }

    deinit {
        slots.deinitialize(count: RelayMetric.allCases.count)
        slots.deallocate()
    }

    /// Adds `n` to a counted metric.
    @inline(__always)
    func add(_ metric: RelayMetric, _ n: Int = 1) {
        slots[metric.rawValue].wrappingAdd(UInt64(truncatingIfNeeded: n), ordering: .relaxed)
    }

    /// Takes `n` from a counted gauge.
    @inline(__always)
    func subtract(_ metric: RelayMetric, _ n: Int = 1) {
        slots[metric.rawValue].wrappingSubtract(UInt64(truncatingIfNeeded: n), ordering: .relaxed)
    }

    /// A counted metric's value now.
    subscript(metric: RelayMetric) -> UInt64 { slots[metric.rawValue].load(ordering: .relaxed) }

    func closed(_ code: CloseCode) { tallies.withLock { $0.closes[code.rawValue, default: 0] += 1 } }
    func denied(_ reason: String) { tallies.withLock { $0.denies[reason, default: 0] += 1 } }

    func snapshot(members: Int, rooms: Int) -> RelayMetrics {
        var m = RelayMetrics()
        for metric in RelayMetric.allCases where metric.source == .counted {
            m[metric] = self[metric]
        }
        m[.members] = UInt64(members)
        m[.rooms] = UInt64(rooms)
        let t = tallies.withLock { $0 }
        m[labelled: .closes] = t.closes.keys.sorted().map { .init(String($0), t.closes[$0] ?? 0) }
        m[labelled: .denies] = t.denies.keys.sorted().map { .init($0, t.denies[$0] ?? 0) }
        return m
    }
}
