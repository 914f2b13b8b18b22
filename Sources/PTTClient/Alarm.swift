import PTTProtocol
import PTTSystem
import Synchronization

/// A sleep until a deadline (nanoseconds on the monotonic clock) that other threads can bring
/// forward: the session's clock wakes when its core has something due, not at a fixed rate.
///
/// Concurrency: one task sleeps at a time (`sleep`); `bringForward` and `ring` may be called
/// from any thread, also while the sleeper works out its deadline: such a call makes that
/// sleep return at once, so no wake-up is lost. A call between two sleeps is not kept (the
/// session brings its deadline forward on every input): whatever it announced must show in
/// the next `deadline()`.
final class Alarm: Sendable {
    struct State {
        /// What the sleeper sleeps until; nil while it works out when (or is not sleeping).
        var target: UInt64?
        var sleeper: Task<Void, Never>?
        /// Set by a wake-up that came while the target was not known yet.
        var rung = false
    }

    let state = Mutex(State())

    /// Sleeps until `deadline()` (nil: until woken), until `bringForward` names an earlier
    /// time, `ring` is called, or the calling task is cancelled.
    func sleep(until deadline: () -> UInt64?) async {
        state.withLock { $0.rung = false; $0.target = nil }
        // Anything that changed the deadline from here on either shows in `deadline()` or rings.
        let due = deadline() ?? MonotonicClock.now() + 86_400 * .second
        let sleeper = Task<Void, Never> { try? await MonotonicClock.sleep(until: due) }
        let rung = state.withLock { s -> Bool in
            if s.rung { return true }
            s.target = due
            s.sleeper = sleeper
            return false
        }
        if rung { sleeper.cancel() }
        await withTaskCancellationHandler { await sleeper.value } onCancel: { sleeper.cancel() }
        state.withLock { s in
            s.target = nil
            s.sleeper = nil
        }
    }

    /// Wakes the sleeper if `deadline` comes before the time it sleeps until.
    func bringForward(to deadline: UInt64) {
        let sleeper = state.withLock { s -> Task<Void, Never>? in
            guard let target = s.target else {
                s.rung = true
                return nil
            }
            return deadline < target ? s.sleeper : nil
        }
        sleeper?.cancel()
    }

    /// Wakes the sleeper now.
    func ring() {
        let sleeper = state.withLock { s -> Task<Void, Never>? in
            s.rung = true
            return s.sleeper
        }
        sleeper?.cancel()
    }
}
