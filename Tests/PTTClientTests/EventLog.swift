import PTTClient
import PTTProtocol
import PTTSessionCore
import PTTTestSupport
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
        await eventually(timeout: timeout) { condition(all) }
    }

    func waitPlayed(count: Int, timeout: Duration = .seconds(5)) async -> [AudioFrame] {
        _ = await eventually(timeout: timeout) { played.withLock { $0.count } >= count }
        return played.withLock { $0 }
    }
}
