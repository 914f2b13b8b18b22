/// The hand-off between an audio thread and its consumer: a fixed-capacity ring of 16-bit
/// samples behind a lock held only to copy samples. When full, the oldest samples are
/// overwritten (and counted): a slow consumer loses audio, it never delays it.
///
/// A waiting reader is woken once the samples it asked for are there, not on every write: a
/// transmitter taking 20 ms frames from 10 ms capture periods wakes once per frame.
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
    /// Readers blocked in `read(_:waitingUntil:)`, and the smallest count one of them waits for
    /// (kept until all have left, so a write never misses one of several readers).
    private var waitingReaders = 0
    private var smallestWait = Int.max
    /// Writes that woke waiting readers.
    private var readerWakes = 0

    public init(capacity: Int) {
        storage = Array(repeating: 0, count: max(capacity, 1))
    }

    public var capacity: Int { storage.count }

    /// Samples waiting.
    public var available: Int { lock.withLock { count } }

    /// Samples lost because the ring was full.
    public var overwrittenSamples: Int { lock.withLock { overwritten } }

    /// Readers waiting right now (for tests that need a reader to be blocked first).
    var waitingReaderCount: Int { lock.withLock { waitingReaders } }

    /// How many writes woke a waiting reader.
    var readerWakeCount: Int { lock.withLock { readerWakes } }

    /// Appends samples, overwriting the oldest when full; wakes a waiting reader whose
    /// request can now be served.
    public func write(_ samples: some Collection<Int16>) {
        let wake = lock.withLock { () -> Bool in
            if samples.withContiguousStorageIfAvailable({ appendLocked($0) }) == nil {
                Array(samples).withUnsafeBufferPointer { appendLocked($0) }
            }
            guard waitingReaders > 0, count >= smallestWait else { return false }
            readerWakes += 1
            return true
        }
        if wake { lock.broadcast() }
    }

    private func appendLocked(_ source: UnsafeBufferPointer<Int16>) {
        let cap = storage.count
        let n = source.count
        guard n > 0, let base = source.baseAddress else { return }
        // As if written one by one: every sample that finds the ring full overwrites the oldest.
        let overflow = max(0, count + n - cap)
        let skipped = max(0, n - cap)   // new samples themselves overwritten by later ones
        var position = (readIndex + count + skipped) % cap
        var remaining = n - skipped
        var from = base + skipped
        storage.withUnsafeMutableBufferPointer { dst in
            guard let d = dst.baseAddress else { return }
            while remaining > 0 {
                let run = min(remaining, cap - position)
                (d + position).update(from: from, count: run)
                from += run
                remaining -= run
                position = (position + run) % cap
            }
        }
        overwritten += overflow
        readIndex = (readIndex + overflow) % cap
        count = min(cap, count + n)
    }

    /// Takes exactly `n` samples if that many are waiting.
    public func read(_ n: Int) -> [Int16]? {
        lock.withLock { takeLocked(n) }
    }

    /// Waits until `n` samples are waiting (or the monotonic `deadline` passes, or `wakeReaders`
    /// or `close` is called) and takes them, with how many samples are still waiting after them.
    public func read(_ n: Int, waitingUntil deadline: UInt64) -> (samples: [Int16], remaining: Int)? {
        lock.withLock {
            let generation = wakeups
            if count < n && !closed {
                waitingReaders += 1
                smallestWait = min(smallestWait, n)
                while count < n && !closed && wakeups == generation {
                    if !lock.wait(until: deadline) { break }
                }
                waitingReaders -= 1
                if waitingReaders == 0 { smallestWait = .max }
            }
            guard let s = takeLocked(n) else { return nil }
            return (s, count)
        }
    }

    private func takeLocked(_ n: Int) -> [Int16]? {
        guard count >= n else { return nil }
        let cap = storage.count
        let start = readIndex
        let out = storage.withUnsafeBufferPointer { src in
            [Int16](unsafeUninitializedCapacity: n) { dst, initialized in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                let first = min(n, cap - start)
                d.initialize(from: s + start, count: first)
                (d + first).initialize(from: s, count: n - first)
                initialized = n
            }
        }
        readIndex = (readIndex + n) % cap
        count -= n
        return out
    }

    /// Takes up to `buffer.count` of the oldest samples into `buffer` without waiting or
    /// allocating; returns how many it took (the rest of `buffer` is left as it was).
    public func read(into buffer: UnsafeMutableBufferPointer<Int16>) -> Int {
        lock.withLock {
            let n = min(count, buffer.count)
            guard n > 0, let d = buffer.baseAddress else { return 0 }
            let cap = storage.count
            let start = readIndex
            storage.withUnsafeBufferPointer { src in
                guard let s = src.baseAddress else { return }
                let first = min(n, cap - start)
                d.update(from: s + start, count: first)
                (d + first).update(from: s, count: n - first)
            }
            readIndex = (readIndex + n) % cap
            count -= n
            return n
        }
    }

    /// Discards the oldest samples until at most `keep` wait; returns how many were dropped.
    @discardableResult
    public func trim(keeping keep: Int) -> Int {
        lock.withLock {
            let n = max(0, count - max(keep, 0))
            readIndex = (readIndex + n) % storage.count
            count -= n
            return n
        }
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
