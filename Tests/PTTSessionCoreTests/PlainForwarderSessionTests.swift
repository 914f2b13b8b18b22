import Testing
@testable import PTTProtocol
@testable import PTTSessionCore

/// The roster rules of PROTOCOL.md §6, with an in-memory plain forwarder.
@Suite struct PlainForwarderSessionTests {
    static func session(_ name: String, id: UInt32) -> SessionCore {
        SessionCore(config: .init(room: "r", name: name, listen: false, url: "ws://x/r"), randomID: id)
    }

    /// Delivers every text a session sends to every other session, as a forwarder does.
    struct Forwarder {
        var sessions: [SessionCore]
        var now: UInt64 = 0

        mutating func deliver(from sender: Int, _ actions: [SessionCore.Action]) {
            for case .sendText(let bytes) in actions {
                for i in sessions.indices where i != sender {
                    let replies = sessions[i].receivedText(bytes, now: now)
                    deliver(from: i, replies)
                }
            }
        }

        mutating func open(_ i: Int) {
            _ = sessions[i].start()
            deliver(from: i, sessions[i].opened(subprotocol: nil, now: now))
        }
    }

    @Test func helloAnsweredOnceSoNewcomersLearnTheRoom() {
        var f = Forwarder(sessions: [Self.session("alice", id: 1), Self.session("bob", id: 2), Self.session("carol", id: 3)])
        f.open(0)
        f.open(1)
        f.open(2)
        #expect(f.sessions[0].roster.sorted.map(\.displayName) == ["bob", "carol"])
        #expect(f.sessions[1].roster.sorted.map(\.displayName) == ["alice", "carol"])
        #expect(f.sessions[2].roster.sorted.map(\.displayName) == ["alice", "bob"])
        #expect(f.sessions.allSatisfy { $0.phase == .joined(.forwarder) })
        // Own id is the random one; no welcome exists.
        #expect(f.sessions[2].myID == 3)
    }

    @Test func reHelloIsNeverAnswered() {
        var s = Self.session("alice", id: 1)
        _ = s.start()
        _ = s.opened(subprotocol: nil, now: 0)
        let a = s.receivedText(ControlMessage.hello(Hello(from: 2, name: "bob", agent: nil, re: true)).encoded(), now: 0)
        #expect(!a.contains { if case .sendText = $0 { true } else { false } })
        let b = s.receivedText(ControlMessage.hello(Hello(from: 3, name: "carol", agent: nil)).encoded(), now: 0)
        let replies = b.compactMap { if case .sendText(let t) = $0 { try? ControlMessage.decode(t) } else { nil } }
        #expect(replies == [.hello(Hello(from: 1, name: "alice", agent: PTTVersion.clientAgent, listen: false, re: true))])
    }

    /// Anyone on a forwarder can invent ids: the roster takes at most `maxForwarderPeers`,
    /// and audio from an id beyond them is not played.
    @Test func unknownPeersAreBounded() throws {
        var s = Self.session("alice", id: 1)
        _ = s.start()
        _ = s.opened(subprotocol: nil, now: 0)
        var played = 0
        for id in UInt32(100)..<UInt32(10_100) {
            let actions = s.receivedBinary(try AudioFrame(source: id, seq: 0, flags: .start, payload: [0xF8]).encoded(), now: 1 * .second)
            played += actions.filter { if case .play = $0 { true } else { false } }.count
        }
        #expect(s.roster.members.count == Roster.maxForwarderPeers)
        #expect(played == Roster.maxForwarderPeers)
        _ = s.receivedText(ControlMessage.hello(Hello(from: 50_000, name: "mallory", agent: nil)).encoded(), now: 1 * .second)
        #expect(s.roster[50_000] == nil && s.roster.members.count == Roster.maxForwarderPeers)
        // When they fall silent they go, and there is room again.
        _ = s.tick(now: 17 * .second, random: 0)
        #expect(s.roster.members.isEmpty)
        _ = s.receivedText(ControlMessage.hello(Hello(from: 50_000, name: "mallory", agent: nil)).encoded(), now: 17 * .second)
        #expect(s.roster[50_000]?.name == "mallory")
    }

    @Test func unknownIdsArePresentAndSilentPeersAreDropped() throws {
        var s = Self.session("alice", id: 1)
        _ = s.start()
        _ = s.opened(subprotocol: nil, now: 0)
        _ = s.receivedBinary(try AudioFrame(source: 77, seq: 0, flags: .start, payload: [1]).encoded(), now: 1 * .second)
        #expect(s.roster[77]?.displayName == "#77")
        #expect(s.roster[77]?.talking == true)
        _ = s.receivedText(ControlMessage.ping(from: 78, ts: 1).encoded(), now: 2 * .second)
        #expect(s.roster[78] != nil)
        // Pings keep 78 alive; 77 goes silent.
        _ = s.receivedText(ControlMessage.ping(from: 78, ts: 2).encoded(), now: 10 * .second)
        _ = s.tick(now: 15 * .second, random: 0)
        #expect(s.roster[77] != nil)
        _ = s.tick(now: 16 * .second, random: 0)
        #expect(s.roster[77] == nil)
        #expect(s.roster[78] != nil)
        // A later hello names a peer first seen by id.
        _ = s.receivedText(ControlMessage.hello(Hello(from: 78, name: "dave", agent: nil)).encoded(), now: 16 * .second)
        #expect(s.roster[78]?.displayName == "dave")
        _ = s.receivedText(ControlMessage.bye(from: 78).encoded(), now: 17 * .second)
        #expect(s.roster[78] == nil)
    }

    @Test func pingsGoToEveryoneWithoutRoundTrip() {
        var s = Self.session("alice", id: 1)
        _ = s.start()
        _ = s.opened(subprotocol: nil, now: 0)
        let a = s.tick(now: 5 * .second, random: 0)
        #expect(a.contains(.sendText(ControlMessage.ping(from: 1, ts: 5000).encoded())))
        #expect(s.roundTrip == nil)
    }
}
