/// Hands out member ids: unique among live ids, and not reused soon, because it counts
/// upwards through the whole 32-bit space before wrapping (PROTOCOL.md §5 "Welcome").
public struct IDAllocator: Sendable {
    private var next: UInt32
    /// The ids it hands out: all of them, or a relay's share of a cluster's.
    public let range: ClosedRange<UInt32>
    public private(set) var live: Set<UInt32> = []

    /// Starts counting at `first` (any non-zero value; a random start makes ids unguessable).
    public init(first: UInt32 = 1) {
        range = 1...UInt32.max
        next = first == 0 ? 1 : first
    }

    /// Ids of one relay of a cluster: the block `prefix` of 2^20 ids (prefix 1 to 4095), so
    /// that relays drawing different prefixes never hand out the same id.
    public init(clusterPrefix prefix: UInt32, first: UInt32 = 0) {
        let low = max(1, (prefix & 0xFFF) << 20)
        range = low...((prefix & 0xFFF) << 20 | 0xF_FFFF)
        next = range.contains(low + first % 0xF_FFFF) ? low + first % 0xF_FFFF : low
    }

    /// A fresh id, or nil when every id of its range is live.
    public mutating func allocate() -> UInt32? {
        guard UInt64(live.count) < UInt64(range.upperBound - range.lowerBound) + 1 else { return nil }
        while true {
            let id = next
            next = next == range.upperBound ? range.lowerBound : next + 1
            if id != 0, live.insert(id).inserted { return id }
        }
    }

    /// Gives an id back; it is handed out again only after the counter wraps.
    public mutating func release(_ id: UInt32) { live.remove(id) }
}
