import PTTClient
import PTTCore
import Synchronization

/// Collects a session's output for assertions, with bounded waits instead of sleeps.
final class EventLog: Sendable {
    let events = Mutex<[SessionEvent]>([])
    let played = Mutex<[AudioFrame]>([])
    let stops = Mutex<[Deny.Reason]>([])

    var handlers: ClientSession.Handlers {
        .init(event: { e in self.events.withLock { $0.append(e) } },
              play: { f in self.played.withLock { $0.append(f) } },
              stopTransmitting: { r in self.stops.withLock { $0.append(r) } })
    }

    var all: [SessionEvent] { events.withLock { $0 } }

    /// Waits up to `timeout` for `condition` over the events so far.
    @discardableResult
    func wait(_ what: String, timeout: Duration = .seconds(5), _ condition: ([SessionEvent]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(all) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition(all)
    }

    func waitPlayed(count: Int, timeout: Duration = .seconds(5)) async -> [AudioFrame] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, played.withLock({ $0.count }) < count {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return played.withLock { $0 }
    }
}
