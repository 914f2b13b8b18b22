/// What the relay remembers per remote address (`AddressLimits`): open connections, those not
/// welcomed yet, and token buckets for the messages of all its connections together. Bounded:
/// an address with nothing open and full buckets carries nothing and is forgotten; beyond
/// `maxAddresses`, the address without connections heard from longest ago is forgotten.
/// Time is passed in as nanoseconds of the monotonic clock.
public struct AddressTable: Sendable {
    public enum Kind: Sendable { case binary, text }

    /// Why a connection from an address is refused.
    public enum Refusal: Equatable, Sendable {
        case tooManyConnections
        case tooManyPending
    }

    struct Entry: Sendable {
        var connections = 0
        var pending = 0
        var binary: TokenBucket
        var text: TokenBucket
        var lastUsed: UInt64
    }

    public let limits: AddressLimits
    private(set) var entries: [String: Entry] = [:]

    public init(limits: AddressLimits) {
        self.limits = limits
    }

    /// Addresses remembered now.
    public var count: Int { entries.count }

    /// Open connections from `address` (0 when unknown).
    public func connections(_ address: String) -> (all: Int, pending: Int) {
        entries[address].map { ($0.connections, $0.pending) } ?? (0, 0)
    }

    /// A connection from `address` opens (not welcomed yet); a refusal if the address has
    /// its share already (the connection is then not counted).
    public mutating func open(_ address: String, now: UInt64) -> Refusal? {
        var e = entries[address] ?? makeEntry(now: now)
        if limits.maxConnections > 0, e.connections >= limits.maxConnections { return .tooManyConnections }
        if limits.maxPending > 0, e.pending >= limits.maxPending { return .tooManyPending }
        e.connections += 1
        e.pending += 1
        e.lastUsed = now
        store(e, at: address, now: now)
        return nil
    }

    /// A connection from `address` was welcomed (said a valid `hello`).
    public mutating func welcomed(_ address: String) {
        guard let i = entries.index(forKey: address), entries.values[i].pending > 0 else { return }
        entries.values[i].pending -= 1
    }

    /// A connection from `address` closed; `pending` if it never was welcomed.
    public mutating func closed(_ address: String, pending: Bool, now: UInt64) {
        guard let i = entries.index(forKey: address) else { return }
        entries.values[i].connections = max(0, entries.values[i].connections - 1)
        if pending { entries.values[i].pending = max(0, entries.values[i].pending - 1) }
        entries.values[i].lastUsed = now
    }

    /// Takes a token for one message from `address`; false when the address is over its rate.
    public mutating func take(_ kind: Kind, from address: String, now: UInt64) -> Bool {
        let rate = kind == .binary ? limits.binaryRate : limits.textRate
        guard rate > 0 else { return true }
        guard let i = entries.index(forKey: address) else {
            store(makeEntry(now: now), at: address, now: now)
            return take(kind, from: address, now: now)
        }
        entries.values[i].lastUsed = now
        switch kind {
        case .binary: return entries.values[i].binary.take(now: now)
        case .text: return entries.values[i].text.take(now: now)
        }
    }

    /// Forgets the addresses that carry nothing: no connection open, buckets full again.
    public mutating func sweep(now: UInt64) {
        guard entries.values.contains(where: { Self.isIdle($0, now: now) }) else { return }
        entries = entries.filter { !Self.isIdle($0.value, now: now) }
    }

    static func isIdle(_ e: Entry, now: UInt64) -> Bool {
        e.connections == 0 && e.binary.isFull(now: now) && e.text.isFull(now: now)
    }

    private func makeEntry(now: UInt64) -> Entry {
        Entry(binary: TokenBucket(rate: max(limits.binaryRate, 1), burst: max(limits.binaryRate, 1) * 2, now: now),
              text: TokenBucket(rate: max(limits.textRate, 1), burst: max(limits.textRate, 1) * 2, now: now),
              lastUsed: now)
    }

    /// Stores an entry, making room for a new address first if the table is full.
    private mutating func store(_ e: Entry, at address: String, now: UInt64) {
        if entries[address] == nil, entries.count >= max(limits.maxAddresses, 1) {
            sweep(now: now)
            if entries.count >= max(limits.maxAddresses, 1),
               let oldest = entries.filter({ $0.value.connections == 0 }).min(by: { $0.value.lastUsed < $1.value.lastUsed }) {
                entries[oldest.key] = nil
            }
        }
        entries[address] = e
    }
}
