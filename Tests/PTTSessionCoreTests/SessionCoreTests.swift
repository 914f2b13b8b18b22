import Testing
@testable import PTTProtocol
@testable import PTTSessionCore

/// Drives `SessionCore` as an in-memory transport would: no socket, a manual clock.
@Suite struct SessionCoreTests {
    static let config = SessionCore.Configuration(room: "standup", name: "alice", listen: false, url: "ws://127.0.0.1:7700/standup")

    func texts(_ actions: [SessionCore.Action]) -> [ControlMessage] {
        actions.compactMap { if case .sendText(let b) = $0 { return try? ControlMessage.decode(b) } else { return nil } }
    }

    func events(_ actions: [SessionCore.Action]) -> [SessionEvent] {
        actions.compactMap { if case .event(let e) = $0 { return e } else { return nil } }
    }

    func text(_ m: ControlMessage) -> [UInt8] { m.encoded() }

    /// A session joined through a ptt relay as id 17, with bob (12) in the room.
    func joinedSession(listen: Bool = false, floor: Floor = .open) -> SessionCore {
        var c = Self.config
        c.listen = listen
        var s = SessionCore(config: c, randomID: 999)
        _ = s.start()
        _ = s.opened(subprotocol: "ptt.v1", now: 0)
        _ = s.receivedText(text(.welcome(Welcome(you: 17, room: "standup",
                                                 peers: [Peer(id: 12, name: "bob", listen: false, talking: false)],
                                                 agent: "ptt-relay/0.1.0", floor: floor))), now: 0)
        return s
    }

    @Test func helloThenWelcomeBuildsTheRoster() {
        var s = SessionCore(config: Self.config, randomID: 999)
        #expect(s.start() == [.connect])
        let opened = s.opened(subprotocol: "ptt.v1", now: 0)
        #expect(texts(opened) == [.hello(Hello(from: 999, name: "alice", agent: PTTVersion.clientAgent, listen: false))])
        #expect(s.phase == .joining(since: 0))
        let w = s.receivedText(text(.welcome(Welcome(you: 17, room: "standup",
                                                     peers: [Peer(id: 12, name: "bob", listen: false, talking: true),
                                                             Peer(id: 13, name: "eve", listen: true, talking: false)],
                                                     agent: "r", floor: .single))), now: 1 * .second)
        #expect(s.myID == 17 && s.floor == .single && s.phase == .joined(.relay))
        #expect(events(w).first == .ready(you: 17, room: "standup", floor: .single))
        #expect(s.roster.sorted.map(\.displayName) == ["bob", "eve"])
        #expect(s.roster[12]?.talking == true && s.roster[13]?.listen == true)
    }

    @Test func joinLeaveTalkAndChat() {
        var s = joinedSession()
        let j = s.receivedText(text(.join(Peer(id: 20, name: "carol", listen: false))), now: 1 * .second)
        let names: [String?] = events(j).map { if case .memberJoined(let m) = $0 { m.name } else { nil } }
        #expect(names == ["carol"])
        _ = s.receivedText(text(.talk(from: 20, on: true)), now: 1 * .second)
        #expect(s.roster[20]?.talking == true)
        let c = s.receivedText(text(.chat(from: 20, text: "hi")), now: 1 * .second)
        #expect(events(c) == [.chat(from: 20, name: "carol", text: "hi", own: false)])
        let l = s.receivedText(text(.leave(id: 20)), now: 2 * .second)
        let kinds = events(l).map { e -> String in
            switch e { case .talkStopped: "stop"; case .memberLeft: "left"; default: "other" }
        }
        #expect(kinds == ["stop", "left"])
        #expect(s.roster[20] == nil)
    }

    @Test func framesMarkTalkingAndEndAfterSilence() throws {
        var s = joinedSession()
        let f = try AudioFrame(source: 12, seq: 1, flags: .start, payload: [0xF8]).encoded()
        let a = s.receivedBinary(f, now: 1 * .second)
        #expect(s.roster[12]?.talking == true)
        #expect(a.contains { if case .play(let fr) = $0 { fr.source == 12 } else { false } })
        _ = s.tick(now: 1900 * .millisecond, random: 0)
        #expect(s.roster[12]?.talking == true)
        let t = s.tick(now: 2000 * .millisecond, random: 0)
        #expect(s.roster[12]?.talking == false)
        #expect(events(t).contains { if case .talkStopped = $0 { true } else { false } })
        // Our own frames echoed back are never played; reserved kinds are not played.
        #expect(s.receivedBinary(try AudioFrame(source: 17, seq: 1, payload: [1]).encoded(), now: 3 * .second).isEmpty)
        let sealed = s.receivedBinary(try AudioFrame(kind: .sealed, source: 12, seq: 2, payload: [1]).encoded(), now: 3 * .second)
        #expect(!sealed.contains { if case .play = $0 { true } else { false } })
    }

    /// A ptt relay announces every member before its frames: audio from any other id (a
    /// hostile or broken relay inventing senders) is dropped, not played.
    @Test func audioFromIdsNotInTheRosterIsDropped() throws {
        var s = joinedSession()
        for id in UInt32(1000)..<UInt32(11_000) {
            let actions = s.receivedBinary(try AudioFrame(source: id, seq: 0, flags: .start, payload: [0xF8]).encoded(), now: 1 * .second)
            #expect(actions.isEmpty, "\(id)")
        }
        #expect(s.roster.members.count == 1)
        let bob = s.receivedBinary(try AudioFrame(source: 12, seq: 0, flags: .start, payload: [0xF8]).encoded(), now: 1 * .second)
        #expect(bob.contains { if case .play = $0 { true } else { false } })
        // Once announced, a member's audio plays.
        _ = s.receivedText(text(.join(Peer(id: 1000, name: "carol", listen: false))), now: 2 * .second)
        let carol = s.receivedBinary(try AudioFrame(source: 1000, seq: 1, flags: .start, payload: [0xF8]).encoded(), now: 2 * .second)
        #expect(carol.contains { if case .play = $0 { true } else { false } })
    }

    @Test func outgoingSpurtIsWrappedInTalkMessages() throws {
        var s = joinedSession()
        let first = s.outgoingFrame(payload: [0xF8, 1], flags: .start)
        #expect(texts(first) == [.talk(from: 17, on: true)])
        guard case .sendBinary(let b0)? = first.first(where: { if case .sendBinary = $0 { true } else { false } }) else {
            Issue.record("no frame sent"); return
        }
        #expect(try AudioFrame.decode(b0) == AudioFrame(source: 17, seq: 0, flags: .start, payload: [0xF8, 1]))
        #expect(s.outgoingFrame(payload: [2], flags: []).count == 1)
        let last = s.outgoingFrame(payload: [3], flags: .end)
        // Frame first, then talk off.
        guard case .sendBinary(let b2) = last[0] else { Issue.record("frame not first"); return }
        #expect(try AudioFrame.decode(b2).seq == 2)
        #expect(texts(last) == [.talk(from: 17, on: false)])
        #expect(!s.transmitting)
        // seq continues across spurts.
        let next = s.outgoingFrame(payload: [4], flags: [.start, .end])
        let frames = next.compactMap { if case .sendBinary(let b) = $0 { try? AudioFrame.decode(b) } else { nil } }
        #expect(frames.map(\.seq) == [3])
    }

    @Test func spurtUnderWayBeforeJoiningStartsOnceJoined() throws {
        var s = SessionCore(config: Self.config, randomID: 999)
        _ = s.start()
        #expect(s.outgoingFrame(payload: [1], flags: .start).isEmpty)
        _ = s.opened(subprotocol: "ptt.v1", now: 0)
        #expect(s.outgoingFrame(payload: [2], flags: []).isEmpty)
        _ = s.receivedText(text(.welcome(Welcome(you: 17, room: "standup", peers: [], agent: "r", floor: .open))), now: 0)
        let a = s.outgoingFrame(payload: [3], flags: [])
        #expect(texts(a) == [.talk(from: 17, on: true)])
        let frames = a.compactMap { if case .sendBinary(let b) = $0 { try? AudioFrame.decode(b) } else { nil } }
        #expect(frames.map(\.flags) == [.start])
        #expect(frames.map(\.payload) == [[3]])
    }

    @Test func seqWraps() throws {
        var s = joinedSession()
        s.seq = 65535
        let a = s.outgoingFrame(payload: [1], flags: .start) + s.outgoingFrame(payload: [1], flags: .end)
        let seqs = a.compactMap { if case .sendBinary(let b) = $0 { try? AudioFrame.decode(b).seq } else { nil } }
        #expect(seqs == [65535, 0])
    }

    @Test func listenersNeverSend() {
        var s = joinedSession(listen: true)
        #expect(s.outgoingFrame(payload: [1], flags: .start).isEmpty)
    }

    @Test func denyStopsTransmissionUntilTheNextSpurt() {
        var s = joinedSession(floor: .single)
        _ = s.outgoingFrame(payload: [1], flags: .start)
        let d = s.receivedText(text(.deny(Deny(reason: .busy, holder: 12))), now: 1 * .second)
        #expect(d.contains(.stopTransmitting(.busy)))
        #expect(events(d).contains(.denied(reason: .busy, holder: "bob")))
        #expect(s.outgoingFrame(payload: [1], flags: []).isEmpty)
        #expect(s.outgoingFrame(payload: [1], flags: .end).isEmpty)
        // A new press sends again.
        #expect(texts(s.outgoingFrame(payload: [1], flags: .start)) == [.talk(from: 17, on: true)])
    }

    @Test func aFloorTheRosterShowsTakenIsBusyWithoutAPermit() {
        var s = joinedSession(floor: .single)
        _ = s.receivedText(text(.talk(from: 12, on: true)), now: 1 * .second)
        // Bob holds the floor: a press is refused here, before the relay is told, and no
        // `transmitting(true)` (the permit chirp) comes first.
        let press = s.outgoingFrame(payload: [1], flags: .start)
        #expect(press == [.stopTransmitting(.busy), .event(.denied(reason: .busy, holder: "bob"))])
        #expect(s.outgoingFrame(payload: [1], flags: []).isEmpty && !s.transmitting)
        // Once bob stops, a press goes through.
        _ = s.receivedText(text(.talk(from: 12, on: false)), now: 2 * .second)
        let next = s.outgoingFrame(payload: [1], flags: .start)
        #expect(texts(next) == [.talk(from: 17, on: true)] && events(next) == [.transmitting(true)])
        // In an open room others talking never refuse a press.
        var open = joinedSession(floor: .open)
        _ = open.receivedText(text(.talk(from: 12, on: true)), now: 1 * .second)
        #expect(events(open.outgoingFrame(payload: [1], flags: .start)) == [.transmitting(true)])
    }

    @Test func micMuteIsToldToTheRoomAndToWhoeverJoins() throws {
        var s = joinedSession()
        let mute = s.setMicMuted(true)
        #expect(events(mute) == [.ownMic(muted: true)])
        let sent = try #require(texts(mute).first)
        #expect(MicMessage.parse(sent)?.from == 17 && MicMessage.parse(sent)?.muted == true)
        #expect(s.setMicMuted(true).isEmpty)
        // Someone joins: told again (a relay keeps no such state).
        let join = s.receivedText(text(.join(Peer(id: 20, name: "carol", listen: false))), now: 1 * .second)
        #expect(texts(join).compactMap { MicMessage.parse($0)?.muted } == [true])
        // Others' state lands in the roster, with an event.
        let bob = s.receivedText(MicMessage.encoded(from: 12, muted: true), now: 1 * .second)
        #expect(s.roster[12]?.micMuted == true)
        #expect(events(bob).count == 1 && s.roster[12].map { events(bob) == [.micChanged($0)] } == true)
        #expect(s.receivedText(MicMessage.encoded(from: 12, muted: true), now: 1 * .second).isEmpty)
        // Our own id echoed back changes nothing.
        #expect(s.receivedText(MicMessage.encoded(from: 17, muted: false), now: 1 * .second).isEmpty)
        // Unmuted: said once; nobody is told on the next join.
        #expect(texts(s.setMicMuted(false)).compactMap { MicMessage.parse($0)?.muted } == [false])
        let later = s.receivedText(text(.join(Peer(id: 21, name: "dave", listen: false))), now: 2 * .second)
        #expect(texts(later).isEmpty)
    }

    @Test func aMutedMicIsToldAgainAfterAReconnect() {
        var s = SessionCore(config: Self.config, randomID: 999)
        _ = s.start()
        // Muted before joining: nothing to send yet.
        #expect(texts(s.setMicMuted(true)).isEmpty)
        _ = s.opened(subprotocol: "ptt.v1", now: 0)
        let w = s.receivedText(text(.welcome(Welcome(you: 17, room: "standup", peers: [], agent: "r", floor: .open))), now: 0)
        #expect(texts(w).compactMap { MicMessage.parse($0)?.muted } == [true])
        // Through a plain forwarder the state goes out as soon as the link is up.
        var f = SessionCore(config: Self.config, randomID: 999)
        _ = f.start()
        _ = f.setMicMuted(true)
        #expect(texts(f.opened(subprotocol: nil, now: 0)).compactMap { MicMessage.parse($0)?.muted } == [true])
    }

    @Test func pingsEveryFiveSecondsAndMeasuresRoundTrip() {
        var s = joinedSession()
        #expect(texts(s.tick(now: 4999 * .millisecond, random: 0)).isEmpty)
        #expect(texts(s.tick(now: 5 * .second, random: 0)) == [.ping(from: 17, ts: 5000)])
        let p = s.receivedText(text(.pong(ts: 5000)), now: 5042 * .millisecond)
        #expect(events(p) == [.roundTrip(milliseconds: 42)])
        #expect(s.roundTrip == 42 * .millisecond)
    }

    @Test func reconnectsWithBackoffAndSaysHelloAgain() {
        var s = joinedSession()
        let c = s.closed(code: 1001, now: 3 * .second, random: 0.5)
        #expect(s.roster.members.isEmpty)
        guard case .waiting(let until, 2) = s.phase else { Issue.record("not waiting: \(s.phase)"); return }
        #expect(until > 3 * .second && until <= 3500 * .millisecond)
        #expect(events(c).contains { if case .reconnecting = $0 { true } else { false } })
        #expect(s.tick(now: until - 1 * .millisecond, random: 0).isEmpty)
        #expect(s.tick(now: until, random: 0) == [.connect])
        let again = s.opened(subprotocol: "ptt.v1", now: until)
        let helloName: String? = texts(again).first.flatMap { if case .hello(let h) = $0 { h.name } else { nil } }
        #expect(helloName == "alice")
        // A relay that is gone while reconnecting: keep trying, delays growing.
        var s2 = joinedSession()
        _ = s2.closed(code: nil, now: 1 * .second, random: 0)
        var delays: [UInt64] = []
        var now: UInt64 = 1 * .second
        for _ in 0..<8 {
            guard case .waiting(let until, _) = s2.phase else { break }
            delays.append(until - now)
            now = until
            _ = s2.tick(now: now, random: 0)
            _ = s2.connectFailed(.unreachable("refused"), now: now, random: 0)
        }
        #expect(delays.count == 8)
        #expect(delays == delays.sorted())
        #expect(delays.last! <= 30 * .second)
    }

    @Test func finalClosesEndTheSession() {
        for code: UInt16 in [1000, 1009, 4400, 4403, 4409, 4426] {
            var s = joinedSession()
            let a = s.closed(code: code, now: 1 * .second, random: 0)
            guard case .ended(.closed(code, _)) = s.phase else { Issue.record("\(code): \(s.phase)"); continue }
            #expect(a.contains { if case .event(.ended) = $0 { true } else { false } })
        }
    }

    /// 4409: no reconnect; the message names the name and the room and suggests a free one,
    /// avoiding the names of the room as last seen.
    @Test func nameTakenEndsWithASuggestion() {
        var s = SessionCore(config: Self.config, randomID: 5)
        _ = s.start()
        _ = s.opened(subprotocol: "ptt.v1", now: 0)
        let a = s.closed(code: 4409, now: 1 * .second, random: 0)
        #expect(!a.contains { if case .connect = $0 { true } else { false } })
        #expect(s.phase == .ended(.closed(code: 4409, message:
            #"the name "alice" is already taken in room "standup": choose another name, such as "alice2""#)))
        // Having seen alice2 in the room (a relay restart, say), the suggestion skips it.
        var c = Self.config
        c.name = "Alice"
        var t = SessionCore(config: c, randomID: 5)
        _ = t.start()
        _ = t.opened(subprotocol: "ptt.v1", now: 0)
        _ = t.receivedText(text(.welcome(Welcome(you: 17, room: "standup", peers: [Peer(id: 12, name: "ALICE2", listen: false, talking: false)],
                                                 agent: "ptt-relay/0.1.0", floor: .open))), now: 0)
        _ = t.closed(code: 1001, now: 1 * .second, random: 0)
        _ = t.tick(now: 10 * .second, random: 0)
        _ = t.opened(subprotocol: "ptt.v1", now: 10 * .second)
        let e = events(t.closed(code: 4409, now: 11 * .second, random: 0))
        #expect(e.contains(.ended(.closed(code: 4409, message:
            #"the name "Alice" is already taken in room "standup": choose another name, such as "Alice3""#))), "\(e)")
    }

    @Test func httpRefusalsAreFinalAndUnreachableAtStartIsAClearMessage() {
        for status in [400, 401, 403] {
            var s = SessionCore(config: Self.config, randomID: 5)
            _ = s.start()
            _ = s.connectFailed(.http(status: status), now: 0, random: 0)
            guard case .ended(.refused(status, let m)) = s.phase else { Issue.record("\(status)"); continue }
            #expect(m.contains("\(status)"))
        }
        // A relay URL that already held the room: the message says what to pass instead.
        for (url, hint) in [("ws://10.0.0.5:7700/standup/standup", "; the relay URL already ends in the room: try --relay ws://10.0.0.5:7700"),
                            ("wss://h/ptt/standup/standup", "; the relay URL already ends in the room: try --relay wss://h/ptt"),
                            ("ws://h:1/x/standup", ""), ("ws://standup/standup", "")] {
            var s = SessionCore(config: .init(room: "standup", name: "alice", listen: false, url: url), randomID: 5)
            _ = s.start()
            _ = s.connectFailed(.http(status: 400), now: 0, random: 0)
            guard case .ended(.refused(400, let m)) = s.phase else { Issue.record("\(s.phase)"); continue }
            #expect(m == "the relay refused the room or the protocol (HTTP 400)" + hint)
        }
        var s = SessionCore(config: Self.config, randomID: 5)
        _ = s.start()
        _ = s.connectFailed(.unreachable("Connection refused"), now: 0, random: 0)
        guard case .ended(.unreachable(let m)) = s.phase else { Issue.record("\(s.phase)"); return }
        #expect(m.contains("ws://127.0.0.1:7700/standup") && m.contains("Connection refused"))
    }

    /// `nextDeadline` is exactly when `tick` first acts: ticking a millisecond before it does
    /// nothing, ticking at it does something, and without one ticking never acts. Checked after
    /// every step of random sessions through relays and forwarders (joins, talk, frames, pings,
    /// closes, failed connects, reconnects).
    @Test func nextDeadlineIsWhenTickFirstActs() throws {
        var rng = SplitMix64(seed: 77)
        func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        var checkedDeadlines = 0
        for _ in 0..<60 {
            var s = SessionCore(config: Self.config, randomID: 999)
            var now: UInt64 = 0
            var seq: UInt16 = 0
            for _ in 0..<120 {
                if let due = s.nextDeadline {
                    if due - 1 * .millisecond >= now {
                        var early = s
                        #expect(early.tick(now: due - 1 * .millisecond, random: 0.5).isEmpty, "\(s.phase) \(due)")
                    }
                    var onTime = s
                    #expect(!onTime.tick(now: max(now, due), random: 0.5).isEmpty, "\(s.phase) \(due)")
                    checkedDeadlines += 1
                } else {
                    var later = s
                    #expect(later.tick(now: now + 3600 * .second, random: 0.5).isEmpty, "\(s.phase)")
                }
                // Time passes: up to 3 s, or straight to the deadline.
                if let due = s.nextDeadline, pick(3) == 0 { now = max(now, due) } else { now += UInt64(pick(3000)) * .millisecond }
                let peer = UInt32(10 + pick(4))
                switch s.phase {
                case .idle:
                    _ = s.start()
                case .connecting:
                    switch pick(4) {
                    case 0: _ = s.connectFailed(.http(status: 503), now: now, random: rng.unit())
                    case 1: _ = s.opened(subprotocol: nil, now: now)
                    default: _ = s.opened(subprotocol: "ptt.v1", now: now)
                    }
                case .joining:
                    if pick(3) == 0 {
                        _ = s.tick(now: now, random: rng.unit())
                    } else {
                        let peers = (10..<(10 + UInt32(pick(4)))).map { Peer(id: $0, name: "p\($0)", listen: false, talking: pick(2) == 0) }
                        _ = s.receivedText(text(.welcome(Welcome(you: 17, room: "standup", peers: peers, agent: "r", floor: .open))), now: now)
                    }
                case .joined(let link):
                    switch pick(8) {
                    case 0: _ = s.receivedText(text(.talk(from: peer, on: pick(2) == 0)), now: now)
                    case 1: _ = s.receivedText(text(link == .relay ? .join(Peer(id: peer, name: "p", listen: false))
                                                                     : .hello(Hello(from: peer, name: "p", agent: nil))), now: now)
                    case 2: _ = s.receivedText(text(link == .relay ? .leave(id: peer) : .ping(from: peer, ts: 1)), now: now)
                    case 3, 4:
                        let flags: AudioFrame.Flags = [[], .start, .end][pick(3)]
                        seq &+= 1
                        _ = s.receivedBinary(try AudioFrame(source: peer, seq: seq, flags: flags, payload: [0xF8]).encoded(), now: now)
                    case 5: _ = s.tick(now: now, random: rng.unit())
                    case 6: _ = s.outgoingFrame(payload: [0xF8], flags: pick(2) == 0 ? .start : .end)
                    default: if pick(4) == 0 { _ = s.closed(code: [1001, 1006, 4408][pick(3)], now: now, random: rng.unit()) }
                    }
                case .waiting:
                    _ = s.tick(now: now, random: rng.unit())
                case .ended:
                    break
                }
            }
        }
        #expect(checkedDeadlines > 2000)
    }

    @Test func welcomeTimeoutReconnects() {
        var s = SessionCore(config: Self.config, randomID: 5)
        _ = s.start()
        _ = s.opened(subprotocol: "ptt.v1", now: 0)
        let a = s.tick(now: 10 * .second, random: 0)
        #expect(a.contains(.close(.goingAway)))
        guard case .waiting = s.phase else { Issue.record("\(s.phase)"); return }
    }

    @Test func quitSaysByeAndCloses() {
        var s = joinedSession()
        _ = s.outgoingFrame(payload: [1], flags: .start)
        let q = s.quit()
        #expect(texts(q) == [.talk(from: 17, on: false), .bye(from: 17)])
        #expect(q.contains(.close(.normal)))
        #expect(s.phase == .ended(.quit))
    }

    @Test func chatIsValidated() {
        var s = joinedSession()
        #expect(s.chat("") == nil)
        #expect(s.chat(String(repeating: "x", count: 1001)) == nil)
        #expect(texts(s.chat("hello") ?? []) == [.chat(from: 17, text: "hello")])
    }
}
