import Testing
@testable import PTTProtocol
@testable import PTTSessionCore

@Suite struct RosterTests {
    @Test func resetReportsJoinsLeavesAndTalkers() {
        var r = Roster()
        _ = r.upsert(id: 1, name: "old", listen: false, now: 0)
        let c = r.reset(peers: [Peer(id: 2, name: "bob", listen: false, talking: true)], now: 0)
        #expect(c.count == 3)
        #expect(r.talkers.map(\.id) == [2])
        #expect(r[1] == nil)
    }

    @Test func endFlagStopsAndFramesWithoutStartStillCount() {
        var r = Roster()
        _ = r.upsert(id: 2, name: "bob", listen: false, now: 0)
        // Joined mid-spurt: a frame without START still shows the talker.
        _ = r.frame(from: 2, flags: [], now: 1 * .second)
        #expect(r[2]?.talking == true)
        _ = r.frame(from: 2, flags: .end, now: 1 * .second)
        #expect(r[2]?.talking == false)
        // A single-frame spurt (START and END) leaves the member not talking.
        _ = r.frame(from: 2, flags: [.start, .end], now: 2 * .second)
        #expect(r[2]?.talking == false)
    }

    @Test func sortedByNameThenId() {
        var r = Roster()
        _ = r.upsert(id: 9, name: "b", listen: false, now: 0)
        _ = r.upsert(id: 3, name: "a", listen: false, now: 0)
        _ = r.upsert(id: 4, name: nil, listen: false, now: 0)
        #expect(r.sorted.map(\.id) == [4, 3, 9])
    }
}
