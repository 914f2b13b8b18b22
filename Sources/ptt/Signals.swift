import Glibc
import PTTAudio
import Synchronization
import PTTSystem

/// Ctrl-C, SIGTERM, SIGHUP and SIGQUIT (Ctrl-\) for the commands without a screen
/// (`join --json`, `listen`, `send`). The handler records the signal and writes a byte to a
/// pipe; a thread blocked on that pipe acts at once, so nothing polls while the session runs.
enum Signals {
    /// The last signal received; 0 for none.
    static let received = Atomic<Int32>(0)
    /// The pipe: the handler writes to `wakeWriteFD`, the waiting thread polls `wakeReadFD`.
    static let wakeReadFD = Atomic<Int32>(-1)
    static let wakeWriteFD = Atomic<Int32>(-1)

    /// The SIGQUIT action before `install` (set there, read by the handler).
    nonisolated(unsafe) static let previousQuit: UnsafeMutablePointer<sigaction> = {
        let p = UnsafeMutablePointer<sigaction>.allocate(capacity: 1)
        p.initialize(to: sigaction())
        return p
    }()

    static func install() {
        var fds: [Int32] = [-1, -1]
        if wakeReadFD.load(ordering: .relaxed) < 0, pipe(&fds) == 0 {
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            // The handler must never block, even on a pipe filled by a storm of signals.
            _ = fcntl(fds[1], F_SETFL, O_NONBLOCK)
            wakeReadFD.store(fds[0], ordering: .relaxed)
            wakeWriteFD.store(fds[1], ordering: .relaxed)
        }
        // SIGQUIT too: a recording is finished properly, not left to a core dump. The action
        // before ours (the Swift runtime's backtracer) is kept for a second SIGQUIT.
        sigaction(SIGQUIT, nil, previousQuit)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
            signal(s) { sig in
                Signals.received.store(sig, ordering: .relaxed)
                // write() is async-signal-safe; a full pipe already wakes the waiter.
                var byte: UInt8 = 1
                _ = write(Signals.wakeWriteFD.load(ordering: .relaxed), &byte, 1)
                // One clean shutdown per signal: the same signal again acts as it would have
                // without ptt (a hung shutdown can still be interrupted or dumped).
                if sig == SIGQUIT { sigaction(SIGQUIT, Signals.previousQuit, nil) } else { signal(sig, SIG_DFL) }
            }
        }
        signal(SIGPIPE, SIG_IGN)
    }

    /// Runs `action` once, on a thread of its own, when one of the signals arrives (also one
    /// that came before this call) or, with `seconds`, when that much time has passed.
    /// Call `install` first.
    static func onSignal(orAfter seconds: Double? = nil, _ action: @escaping @Sendable () -> Void) {
        let deadline = seconds.map { MonotonicClock.now() + UInt64(max(0, $0) * 1e9) }
        _ = AudioThread(name: "signals") {
            var wake = pollfd(fd: wakeReadFD.load(ordering: .relaxed), events: Int16(POLLIN), revents: 0)
            while received.load(ordering: .relaxed) == 0 {
                var timeout: Int32 = -1
                if let deadline {
                    let now = MonotonicClock.now()
                    if now >= deadline { break }
                    timeout = Int32(min((deadline - now) / 1_000_000 + 1, UInt64(Int32.max)))
                }
                // Interrupted or not, the loop looks at the flag and the deadline again.
                _ = try? Posix.interruptible("poll") { poll(&wake, 1, timeout) }
            }
            action()
        }
    }
}
