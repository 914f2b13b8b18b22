@testable import PTTClient
import PTTTestSupport
import PTTProtocol
import PTTSessionCore
import PTTSystem
import Testing

/// Real sessions over real WebSockets on 127.0.0.1, through a plain forwarder.
@Suite(.serialized) struct ClientSessionForwarderTests {
    func session(_ name: String, port: Int, room: String = "standup", log: EventLog) throws -> ClientSession {
        let relay = RelayURL(secure: false, host: "127.0.0.1", port: port)
        let connector = try WebSocketConnector(options: ConnectOptions(relay: relay, room: room))
        let config = SessionCore.Configuration(room: room, name: name, listen: false, url: try relay.url(room: room))
        return ClientSession(config: config, connector: connector, handlers: log.handlers)
    }

    /// Alice, then Bob, joined through the forwarder on `port` and each seeing the other:
    /// their sessions, event logs and running `run()` tasks.
    func joinedPair(port: Int) async throws -> (ClientSession, ClientSession, EventLog, EventLog, Task<SessionCore.EndReason, Never>, Task<SessionCore.EndReason, Never>) {
        let logA = EventLog(), logB = EventLog()
        let a = try session("alice", port: port, log: logA)
        let b = try session("bob", port: port, log: logB)
        let runA = Task { await a.run() }
        #expect(await logA.wait("alice ready") { $0.contains { if case .ready = $0 { true } else { false } } })
        let runB = Task { await b.run() }
        #expect(await logB.wait("bob sees alice") { Self.names($0) == ["alice"] })
        #expect(await logA.wait("alice sees bob") { Self.names($0) == ["bob"] })
        return (a, b, logA, logB, runA, runB)
    }

    static func names(_ events: [SessionEvent]) -> Set<String> {
        var present = Set<String>()
        for e in events {
            switch e {
            case .memberJoined(let m), .memberRenamed(let m): if let n = m.name { present.insert(n) }
            case .memberLeft(let m): if let n = m.name { present.remove(n) }
            default: break
            }
        }
        return present
    }

    @Test func twoClientsFindEachOtherChatAndHearAudio() async throws {
        let forwarder = PlainForwarder()
        let port = try await forwarder.start()
        defer { Task { await forwarder.stop() } }
        let (a, b, logA, logB, runA, runB) = try await joinedPair(port: port)
        #expect(logA.all.contains(.connected(link: .forwarder, url: "ws://127.0.0.1:\(port)/standup")))

        #expect(a.chat("hello bob"))
        #expect(!a.chat(""))
        #expect(await logB.wait("chat") { $0.contains { if case .chat(_, "alice", "hello bob", false) = $0 { true } else { false } } })

        // A spurt of three frames: bob plays them in order and sees alice talk and stop.
        a.send(payload: [0xF8, 1], flags: .start)
        a.send(payload: [0xF8, 2], flags: [])
        a.send(payload: [0xF8, 3], flags: .end)
        let played = await logB.waitPlayed(count: 3)
        #expect(played.map(\.payload) == [[0xF8, 1], [0xF8, 2], [0xF8, 3]])
        #expect(Set(played.map(\.source)).count == 1)
        #expect(played.map(\.seq) == [0, 1, 2])
        #expect(await logB.wait("talk stop") { $0.contains { if case .talkStopped(let m) = $0 { m.name == "alice" } else { false } } })
        #expect(logB.all.contains { if case .talkStarted(let m) = $0 { m.name == "alice" } else { false } })

        a.quit()
        #expect(await runA.value == .quit)
        #expect(await logB.wait("alice left") { Self.names($0).isEmpty })
        b.quit()
        #expect(await runB.value == .quit)
    }

    /// The session's clock runs on deadlines, not a fixed tick: a talker whose END never comes
    /// is ended after 1 s of silence, and `quit` from another thread ends `run()` at once
    /// (the next ping is seconds away).
    @Test func silenceTimeoutFiresAndQuitEndsRunPromptly() async throws {
        let forwarder = PlainForwarder()
        let port = try await forwarder.start()
        defer { Task { await forwarder.stop() } }
        let (a, b, _, logB, runA, runB) = try await joinedPair(port: port)
        a.send(payload: [0xF8, 1], flags: .start)
        _ = await logB.waitPlayed(count: 1)
        let lastFrame = MonotonicClock.now()
        func stopped(_ events: [SessionEvent]) -> Bool {
            events.contains { if case .talkStopped(let m) = $0 { m.name == "alice" } else { false } }
        }
        #expect(await logB.wait("silence ends alice's spurt") { stopped($0) })
        let waited = MonotonicClock.now() - lastFrame
        #expect(waited >= 900 * .millisecond && waited < 3 * .second, "ended after \(waited)")

        let quitAt = MonotonicClock.now()
        b.quit()
        #expect(await runB.value == .quit)
        #expect(MonotonicClock.now() - quitAt < 2 * .second)
        a.quit()
        #expect(await runA.value == .quit)
    }

    /// Joined and quiet, the session sleeps until its next ping or expiry: inputs bring the
    /// deadline forward, but do not keep it awake.
    @Test func aQuietSessionSleeps() async throws {
        let forwarder = PlainForwarder()
        let port = try await forwarder.start()
        defer { Task { await forwarder.stop() } }
        let (a, b, _, logB, runA, runB) = try await joinedPair(port: port)
        // A spurt and a chat line: inputs on both sides.
        a.send(payload: [0xF8, 1], flags: .start)
        a.send(payload: [0xF8, 2], flags: .end)
        #expect(a.chat("hello"))
        _ = await logB.waitPlayed(count: 2)
        let before = (a.wakeUps.load(ordering: .relaxed), b.wakeUps.load(ordering: .relaxed))
        try await Task.sleep(for: .seconds(1))
        let woke = (a.wakeUps.load(ordering: .relaxed) - before.0, b.wakeUps.load(ordering: .relaxed) - before.1)
        #expect(woke.0 <= 5 && woke.1 <= 5, "woke \(woke) times in 1 s")
        a.quit()
        #expect(await runA.value == .quit)
        b.quit()
        #expect(await runB.value == .quit)
    }

    @Test func unreachableRelayAtStartIsAClearFinalMessage() async throws {
        // Bind and close a forwarder to get a port nothing listens on.
        let f = PlainForwarder()
        let port = try await f.start()
        await f.stop()
        let log = EventLog()
        let s = try session("alice", port: port, log: log)
        let reason = await s.run()
        guard case .unreachable(let message) = reason else { Issue.record("\(reason)"); return }
        #expect(message.contains("cannot reach the relay at ws://127.0.0.1:\(port)/standup"))
        #expect(reason.isFailure)
    }

    @Test func reconnectsWhenTheForwarderComesBack() async throws {
        let forwarder = PlainForwarder()
        let port = try await forwarder.start()
        let log = EventLog()
        let s = try session("alice", port: port, log: log)
        let run = Task { await s.run() }
        #expect(await log.wait("ready") { $0.contains { if case .ready = $0 { true } else { false } } })
        await forwarder.stop()
        #expect(await log.wait("reconnecting") { $0.contains { if case .reconnecting = $0 { true } else { false } } })
        let again = PlainForwarder()
        _ = try await again.start(port: port)
        defer { Task { await again.stop() } }
        #expect(await log.wait("ready again", timeout: .seconds(10)) {
            $0.filter { if case .ready = $0 { true } else { false } }.count == 2
        })
        // The client sees the upgrade before the forwarder has registered the connection.
        #expect(await eventually(timeout: .seconds(5)) { again.connectionCount == 1 }, "\(again.connectionCount) connections")
        s.quit()
        #expect(await run.value == .quit)
    }
}
