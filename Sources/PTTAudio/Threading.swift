import Glibc

/// A pthread mutex with one condition variable. Held for microseconds: copies of a few
/// periods of samples, a jitter buffer insert, a flag.
final class ConditionLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        cond = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        // Timed waits measure on the monotonic clock, like the rest of the audio path.
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    @inline(__always)
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Wakes every waiter; call with or without the lock held.
    func broadcast() { pthread_cond_broadcast(cond) }

    /// Waits (the lock must be held) until signalled or `deadline` (monotonic ns) passes.
    /// Returns false on timeout.
    func wait(until deadline: UInt64) -> Bool {
        var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        return pthread_cond_timedwait(cond, mutex, &ts) == 0
    }
}

/// A dedicated OS thread for blocking work: audio I/O, or a blocking read such as stdin
/// (never a task on the cooperative pool).
public final class AudioThread: @unchecked Sendable {
    private var thread = pthread_t()
    private var started = false

    /// Starts `body` on a new thread; `name` says what it is for (the thread's name in `ps`,
    /// `top -H` and profilers, cut to the 15 bytes Linux keeps). With
    /// `realtime`, the thread asks for SCHED_FIFO priority (granted to root or with an
    /// RLIMIT_RTPRIO allowance, as for any audio program); refused, it runs normally.
    /// Device threads use it so a busy machine does not starve them into xruns; they
    /// always block or sleep, never spin.
    public init(name: String, realtime: Bool = false, _ body: @escaping @Sendable () -> Void) {
        final class Box {
            let body: @Sendable () -> Void
            let realtime: Bool
            let name: [UInt8]
            init(_ b: @escaping @Sendable () -> Void, _ r: Bool, _ n: String) {
                body = b
                realtime = r
                name = Array(n.utf8.prefix(15))
            }
        }
        let box = Unmanaged.passRetained(Box(body, realtime, name)).toOpaque()
        let rc = pthread_create(&thread, nil, { arg in
            guard let arg else { return nil }
            let box = Unmanaged<Box>.fromOpaque(arg).takeRetainedValue()
            AudioThread.nameCurrentThread(box.name)
            if box.realtime {
                var param = sched_param()
                param.sched_priority = 10
                _ = pthread_setschedparam(pthread_self(), Int32(SCHED_FIFO), &param)   // best effort
            }
            box.body()
            return nil
        }, box)
        started = rc == 0
        if !started { Unmanaged<Box>.fromOpaque(box).release() }
    }

    /// Names the calling thread through procfs (glibc's pthread_setname_np is not visible to
    /// Swift without _GNU_SOURCE); best effort, as a name only helps diagnostics.
    static func nameCurrentThread(_ name: [UInt8]) {
        let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = name.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    /// Waits for the thread to finish.
    public func join() {
        guard started else { return }
        started = false
        pthread_join(thread, nil)
    }
}
