/// The smallest (or largest) value seen over the last `windowNanos`, in O(1) amortised time
/// per value and without allocating after `init`.
///
/// A monotonic queue: a new value removes the values behind it that it beats (they can no
/// longer be the extreme while it is in the window), so the front is always the extreme and
/// expired values leave from the front. Times must not go backwards (an earlier time is taken
/// as the latest one). The queue never holds more than `capacity` values; past that the
/// oldest leaves early, which shortens the window rather than failing: size it for the most
/// values the window can see.
///
/// Times are `Int` nanoseconds (the owners convert the monotonic clock's `UInt64` once, on
/// the way in), so that the window's start may be computed below zero.
struct SlidingExtremum: Sendable {
    enum Kind: Sendable {
        case minimum
        case maximum
    }

    let kind: Kind
    let windowNanos: Int
    private var times: [Int]
    private var values: [Int]
    private var head = 0
    private(set) var count = 0
    private var latest = Int.min

    init(_ kind: Kind, windowNanos: Int, capacity: Int) {
        self.kind = kind
        self.windowNanos = windowNanos
        times = Array(repeating: 0, count: max(capacity, 1))
        values = Array(repeating: 0, count: max(capacity, 1))
    }

    /// The extreme of the values in the window (nil: none).
    var value: Int? { count > 0 ? values[head] : nil }

    private func slot(_ i: Int) -> Int {
        let s = head + i
        return s < values.count ? s : s - values.count
    }

    /// Whether `a` makes `b` (pushed earlier) irrelevant.
    private func beats(_ a: Int, _ b: Int) -> Bool {
        switch kind {
        case .minimum: a <= b
        case .maximum: a >= b
        }
    }

    mutating func push(_ value: Int, at now: Int) {
        let time = max(now, latest)
        latest = time
        while count > 0, beats(value, values[slot(count - 1)]) { count -= 1 }
        if count == values.count {
            head = slot(1)
            count -= 1
        }
        let s = slot(count)
        times[s] = time
        values[s] = value
        count += 1
        expire(at: time)
    }

    /// Drops values older than the window at `now` (`push` does this itself).
    mutating func expire(at now: Int) {
        let oldest = max(now, latest) - windowNanos
        while count > 0, times[head] <= oldest {
            head = slot(1)
            count -= 1
        }
    }

    mutating func reset() {
        head = 0
        count = 0
        latest = Int.min
    }
}
