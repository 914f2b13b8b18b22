/// Hands out member ids: unique among live ids, and not reused soon, because it counts
/// upwards through the whole 32-bit space before wrapping (PROTOCOL.md §5 "Welcome").
public struct IDAllocator: Sendable {
    private var next: UInt32
    public private(set) var live: Set<UInt32> = []

    /// Starts counting at `first` (any non-zero value; a random start makes ids unguessable).
    public init(first: UInt32 = 1) { next = first == 0 ? 1 : first }

    /// A fresh id, or nil when every id is live (4294967295 members: never in practice).
    public mutating func allocate() -> UInt32? {
        guard live.count < Int(UInt32.max) else { return nil }
        while true {
            let id = next
            next = next == .max ? 1 : next + 1
            if id != 0, live.insert(id).inserted { return id }
        }
    }

    /// Gives an id back; it is handed out again only after the counter wraps.
    public mutating func release(_ id: UInt32) { live.remove(id) }
}
