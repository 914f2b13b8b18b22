/// The hand-off between an audio thread and its consumer: a fixed-capacity ring of 16-bit
/// samples behind a lock held only to copy samples. When full, the oldest samples are
/// overwritten (and counted): a slow consumer loses audio, it never delays it.
///
/// Thread contract: any number of threads may call any method.
public final class SampleRing: @unchecked Sendable {
    private let lock = ConditionLock()
    // Protected by `lock`:
    private var storage: [Int16]
    private var readIndex = 0
    private var count = 0
    private var overwritten = 0
    private var closed = false
    private var wakeups = 0

    public init(capacity: Int) {
        storage = Array(repeating: 0, count: max(capacity, 1))
    }

    public var capacity: Int { storage.count }

    /// Samples waiting.
    public var available: Int { lock.withLock { count } }

    /// Samples lost because the ring was full.
    public var overwrittenSamples: Int { lock.withLock { overwritten } }

    /// Appends samples, overwriting the oldest when full, and wakes a waiting reader.
    public func write(_ samples: some Collection<Int16>) {
        lock.withLock {
            let cap = storage.count
            for s in samples {
                let writeIndex = (readIndex + count) % cap
                storage[writeIndex] = s
                if count == cap {
                    readIndex = (readIndex + 1) % cap
                    overwritten += 1
                } else {
                    count += 1
                }
            }
        }
        lock.broadcast()
    }

    /// Takes exactly `n` samples if that many are waiting.
    public func read(_ n: Int) -> [Int16]? {
        lock.withLock { takeLocked(n) }
    }

    /// Waits until `n` samples are waiting (or the monotonic `deadline` passes, or `wakeReaders`
    /// or `close` is called) and takes them, with how many samples are still waiting after them.
    public func read(_ n: Int, waitingUntil deadline: Int64) -> (samples: [Int16], remaining: Int)? {
        lock.withLock {
            let generation = wakeups
            while count < n && !closed && wakeups == generation {
                if !lock.wait(until: deadline) { break }
            }
            guard let s = takeLocked(n) else { return nil }
            return (s, count)
        }
    }

    private func takeLocked(_ n: Int) -> [Int16]? {
        guard count >= n else { return nil }
        var out = [Int16](repeating: 0, count: n)
        let cap = storage.count
        for i in 0..<n { out[i] = storage[(readIndex + i) % cap] }
        readIndex = (readIndex + n) % cap
        count -= n
        return out
    }

    /// Discards everything waiting; returns how many samples were dropped.
    @discardableResult
    public func removeAll() -> Int {
        lock.withLock {
            let n = count
            count = 0
            readIndex = 0
            return n
        }
    }

    /// Wakes readers waiting right now (a consumer that is stopping); the ring stays usable.
    public func wakeReaders() {
        lock.withLock { wakeups &+= 1 }
        lock.broadcast()
    }

    /// Wakes waiting readers for good: reads no longer wait (the producer is gone for good).
    public func close() {
        lock.withLock { closed = true }
        lock.broadcast()
    }
}
