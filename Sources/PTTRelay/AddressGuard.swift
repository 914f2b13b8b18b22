#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import PTTRelayCore
import Synchronization

/// One connection's place in its address's accounting: taken when the socket is accepted,
/// given back when it closes. Pending until the connection is welcomed.
final class AddressSlot: Sendable {
    let key: String
    let shard: Int
    private let waiting = Atomic<Bool>(true)

    init(key: String, shard: Int) {
        self.key = key
        self.shard = shard
    }

    /// Ends the pending state; true the first time only.
    func endPending() -> Bool { waiting.exchange(false, ordering: .relaxed) }
}

/// The per-address limits (`AddressTable`) of the whole relay, split over a few mutexes by
/// address so that connections from different addresses rarely wait for each other. Any
/// task or event loop may call it; each call holds one shard's mutex for a table operation.
final class AddressGuard: Sendable {
    final class Shard: Sendable {
        let table: Mutex<AddressTable>
        init(_ limits: AddressLimits) { table = Mutex(AddressTable(limits: limits)) }
    }

    enum Opening {
        /// The address is not limited (loopback, or not an IP address).
        case unlimited
        case opened(AddressSlot)
        case refused(AddressTable.Refusal)
    }

    let limits: AddressLimits
    private let shards: [Shard]

    init(limits: AddressLimits, shards count: Int = 16) {
        self.limits = limits
        var perShard = limits
        perShard.maxAddresses = max(1, (limits.maxAddresses + count - 1) / count)
        shards = (0..<count).map { _ in Shard(perShard) }
    }

    /// The key of a remote address, or nil when it is not limited.
    func key(for address: SocketAddress?) -> String? {
        switch address {
        case .v4(let a)?: return limits.key(addressBytes: withUnsafeBytes(of: a.address.sin_addr) { Array($0) })
        case .v6(let a)?: return limits.key(addressBytes: withUnsafeBytes(of: a.address.sin6_addr) { Array($0) })
        default: return nil
        }
    }

    /// A socket from `address` was accepted.
    func open(_ address: SocketAddress?, now: UInt64) -> Opening {
        guard let key = key(for: address) else { return .unlimited }
        let shard = Int(UInt(bitPattern: key.hashValue) % UInt(shards.count))
        if let refusal = shards[shard].table.withLock({ $0.open(key, now: now) }) { return .refused(refusal) }
        return .opened(AddressSlot(key: key, shard: shard))
    }

    /// The slot's connection was welcomed.
    func welcomed(_ slot: AddressSlot) {
        guard slot.endPending() else { return }
        shards[slot.shard].table.withLock { $0.welcomed(slot.key) }
    }

    /// The slot's socket closed.
    func closed(_ slot: AddressSlot, now: UInt64) {
        let pending = slot.endPending()
        shards[slot.shard].table.withLock { $0.closed(slot.key, pending: pending, now: now) }
    }

    /// One message from the slot's address; false when the address is over its rate.
    func take(_ kind: AddressTable.Kind, _ slot: AddressSlot, now: UInt64) -> Bool {
        shards[slot.shard].table.withLock { $0.take(kind, from: slot.key, now: now) }
    }

    /// Forgets addresses that carry nothing any more.
    func sweep(now: UInt64) {
        for shard in shards { shard.table.withLock { $0.sweep(now: now) } }
    }
}

/// Holds a connection's `AddressSlot` in its pipeline, where the upgrade finds it.
final class AddressSlotHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny
    let slot: AddressSlot
    init(slot: AddressSlot) { self.slot = slot }
}
