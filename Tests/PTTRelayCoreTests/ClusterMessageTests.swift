import Testing
@testable import PTTProtocol
@testable import PTTRelayCore

@Suite struct ClusterMessageTests {
    @Test func roomSubjectsHoldAnyRoomName() {
        #expect(ClusterSubject.room("a.b", .audio) == "ptt.r.612e62.a")
        #expect(ClusterSubject.roomWildcard("standup") == "ptt.r.7374616e647570.*")
        #expect(ClusterSubject.parse("ptt.r.612e62.t")! == ("a.b", .text))
        for bad in ["ptt.r.612e6.t", "ptt.r.zz.t", "ptt.r.612e62.x", "ptt.hb", "ptt.r..m", "ptt.r.2e.m"] {
            #expect(ClusterSubject.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func membershipRoundTrips() {
        let peer = ClusterPeer(Peer(id: 17, name: "alice", listen: false, talking: true, op: true), session: 99)
        for change in [ClusterMembership.Change.join(peer), .leave(17), .sync, .members([peer, ClusterPeer(Peer(id: 18, name: "bob", listen: true))])] {
            let m = ClusterMembership(node: 9, change: change)
            #expect(ClusterMembership.decode(m.encoded()) == m)
        }
        #expect(String(decoding: ClusterMembership(node: 9, change: .leave(17)).encoded(), as: UTF8.self) == #"{"node":9,"do":"leave","id":17}"#)
        #expect(ClusterMembership.decode(Array(#"{"node":0,"do":"sync"}"#.utf8)) == nil)
        #expect(ClusterMembership.decode(Array(#"{"node":3,"do":"join","peer":{"id":1,"name":" x","listen":false}}"#.utf8)) == nil)
        #expect(ClusterMembership.decode(Array("not json".utf8)) == nil)
    }

    @Test func heartbeatsRoundTripAndSilentRelaysExpire() {
        let beat = ClusterHeartbeat(node: 4, rooms: [RoomListing(name: "r", members: 2, talkers: 1, floor: .single)])
        #expect(ClusterHeartbeat.decode(beat.encoded()) == beat)
        var nodes = ClusterNodes()
        nodes.heard(beat, now: 0)
        nodes.heard(ClusterHeartbeat(node: 5, rooms: [RoomListing(name: "r", members: 3, talkers: 0, floor: .single)]), now: 1_000_000_000)
        #expect(nodes.rooms["r"]?.members == 5 && nodes.rooms["r"]?.talkers == 1)
        #expect(nodes.expire(now: 2_999_999_999).isEmpty)
        #expect(nodes.expire(now: 3_000_000_000) == [4])
        #expect(nodes.expire(now: 4_000_000_000) == [5])
        #expect(nodes.rooms.isEmpty)
    }

    @Test func aRelaysIdsStayInItsBlock() {
        var ids = IDAllocator(clusterPrefix: 3, first: 0xF_FFFE)
        let a = ids.allocate(), b = ids.allocate(), c = ids.allocate()
        #expect(a == 3 << 20 | 0xF_FFFE && b == 3 << 20 | 0xF_FFFF && c == 3 << 20)
        for id in [a, b, c].compactMap({ $0 }) { #expect(ids.range.contains(id)) }
        var other = IDAllocator(clusterPrefix: 4)
        #expect(other.allocate().map { $0 >> 20 } == 4)
    }
}

@Suite struct ClusterStatsTests {
    @Test func reportsOfSeveralRelaysMergeByRoom() {
        let one = #"{"rooms":[{"name":"r","talk_seconds":3.000,"last_active_ms":1000,"members":[{"id":1,"name":"alice","talk_seconds":3.000,"share":1.000}]},"#
            + #"{"name":"_hidden","talk_seconds":0.000,"last_active_ms":5,"members":[]}]}"#
        let two = #"{"rooms":[{"name":"r","talk_seconds":1.000,"last_active_ms":2000,"members":[{"id":2,"name":"bob","talk_seconds":1.000,"share":1.000}]},"#
            + #"{"name":"s","talk_seconds":0.000,"last_active_ms":10,"members":[]}]}"#
        let merged = SpeakingStats.mergedJSON([one, two, "not json"], include: { !$0.hasPrefix("_") })
        #expect(merged == #"{"rooms":[{"name":"r","talk_seconds":4.000,"last_active_ms":2000,"members":["#
            + #"{"id":1,"name":"alice","talk_seconds":3.000,"share":0.750},{"id":2,"name":"bob","talk_seconds":1.000,"share":0.250}]},"#
            + #"{"name":"s","talk_seconds":0.000,"last_active_ms":10,"members":[]}]}"#)
    }
}
