import Testing
@testable import PTTProtocol
@testable import PTTRelayCore

@Suite struct RoomStateTests {
    let ms: UInt64 = 1_000_000

    func text(_ json: String) throws -> InboundText {
        try ControlMessage.decodeInbound(Array(json.utf8))
    }

    func room(_ floor: Floor = .open, maxTalk: UInt64? = nil, members: [(UInt32, String, Bool)] = [(1, "a", false), (2, "b", false), (3, "c", false)]) -> RoomState {
        var r = RoomState(name: "test", floor: floor, maxTalk: maxTalk)
        for (id, name, listen) in members { _ = r.join(id: id, name: name, listen: listen) }
        return r
    }

    /// One name per person: a name whose skeleton is in the room is refused with 4409 and a
    /// free name to try; the roster shows names as typed; the same client (same `hello.from`)
    /// coming back on a new connection replaces its old membership.
    @Test func refusesANameAlreadyInTheRoom() {
        var r = RoomState(name: "standup")
        guard case .welcome = r.admit(id: 1, name: "Alice", key: Validation.nameSkeleton("Alice"), listen: false, session: 77) else {
            Issue.record("first alice refused"); return
        }
        _ = r.join(id: 2, name: "alice2", listen: false)
        let again = r.admit(id: 3, name: "ALICE\u{3164}", key: Validation.nameSkeleton("ALICE\u{3164}"), listen: false, session: 88)
        #expect(again == .refuse(CloseReason(.nameTaken,
            "the name \"ALICE\u{3164}\" is taken in room \"standup\": choose another, such as \"ALICE3\"")))
        if case .refuse(let reason) = again { #expect(reason.code == .nameTaken && reason.word == "name-taken") }
        #expect(r.count == 2 && r.peers.map(\.name) == ["Alice", "alice2"])
        // join alone does not add a second one either.
        #expect(r.join(id: 4, name: "alice", listen: true) == [])
        #expect(r.admit(id: 5, name: "alice", key: "alice", listen: false, session: 77) == .replace(1))
        _ = r.leave(id: 1)
        guard case .welcome(let actions) = r.admit(id: 5, name: "alice", key: "alice", listen: false, session: 77) else {
            Issue.record("alice not admitted after leaving"); return
        }
        #expect(actions.count == 2 && r.members[5]?.name == "alice")
    }

    @Test func welcomesThenAnnounces() {
        var r = RoomState(name: "standup")
        let first = r.join(id: 7, name: "alice", listen: false)
        #expect(first == [
            .send(to: 7, .welcome(Welcome(you: 7, room: "standup", peers: [], agent: PTTVersion.relayAgent, floor: .open))),
            .broadcast(.join(Peer(id: 7, name: "alice", listen: false)), except: 7),
        ])
        let second = r.join(id: 9, name: "bob", listen: true)
        #expect(second.first == .send(to: 9, .welcome(Welcome(you: 9, room: "standup",
            peers: [Peer(id: 7, name: "alice", listen: false, talking: false)], agent: PTTVersion.relayAgent, floor: .open))))
        #expect(r.join(id: 9, name: "again", listen: false) == [])
    }

    @Test func stampsAndForwardsKeepingUnknownFields() throws {
        var r = room()
        let actions = r.receive(try text(#"{"t":"chat","from":99,"text":"hi","x":[1]}"#), from: 2, now: 0)
        #expect(actions == [.forward(JSONObject([("t", .string("chat")), ("from", .int(2)), ("text", .string("hi")), ("x", .array([.int(1)]))]), from: 2)])
        // `from` missing: added.
        let bye = r.receive(try text(#"{"t":"bye"}"#), from: 3, now: 0)
        #expect(bye == [.forward(JSONObject([("t", .string("bye")), ("from", .int(3))]), from: 3)])
        let unknown = r.receive(try text(#"{"t":"wave","from":1}"#), from: 1, now: 0)
        #expect(unknown.count == 1)
    }

    @Test func answersPingWithPong() throws {
        var r = room()
        #expect(r.receive(try text(#"{"t":"ping","from":1,"ts":1234}"#), from: 1, now: 0) == [.send(to: 1, .pong(ts: 1234))])
    }

    @Test func leavingTalkerGetsTalkOffBeforeLeave() throws {
        var r = room()
        _ = r.receive(try text(#"{"t":"talk","from":1,"on":true}"#), from: 1, now: 0)
        #expect(r.members[1]?.isTalking == true)
        #expect(r.leave(id: 1) == [.broadcast(.talk(from: 1, on: false), except: 1), .broadcast(.leave(id: 1), except: 1)])
        #expect(r.leave(id: 2) == [.broadcast(.leave(id: 2), except: 2)])
        #expect(r.leave(id: 2) == [])
    }

    @Test func silenceEndsTheSpurtAfterOneSecond() throws {
        var r = room()
        _ = r.receive(try text(#"{"t":"talk","on":true}"#), from: 1, now: 0)
        #expect(r.receiveAudio(flags: [.start], from: 1, now: 100 * ms).forward)
        #expect(r.nextDeadline == 1100 * ms)
        #expect(r.tick(now: 1099 * ms) == [])
        #expect(r.tick(now: 1100 * ms) == [.broadcast(.talk(from: 1, on: false), except: 1)])
        #expect(r.members[1]?.isTalking == false)
        #expect(r.tick(now: 5000 * ms) == [])
        // Welcome shows the state.
        _ = r.receive(try text(#"{"t":"talk","on":true}"#), from: 2, now: 6000 * ms)
        let w = r.join(id: 4, name: "d", listen: false)
        guard case .send(_, .welcome(let welcome)) = w.first else { Issue.record("no welcome"); return }
        #expect(welcome.peers.map(\.talking) == [false, true, false])
    }

    @Test func endFrameEndsTalkingWithoutAMessage() throws {
        var r = room()
        #expect(r.receiveAudio(flags: [.start], from: 1, now: 0).forward)
        #expect(r.members[1]?.isTalking == true)
        let end = r.receiveAudio(flags: [.end], from: 1, now: 20 * ms)
        #expect(end.forward && end.actions.isEmpty)
        #expect(r.tick(now: 5000 * ms) == [])
        // The member's own talk off is forwarded.
        #expect(r.receive(try text(#"{"t":"talk","on":false}"#), from: 1, now: 30 * ms).count == 1)
    }

    @Test func listenersAreDeniedAndTheirAudioDropped() throws {
        var r = room(members: [(1, "a", false), (2, "l", true)])
        #expect(r.receive(try text(#"{"t":"talk","on":true}"#), from: 2, now: 0) == [.send(to: 2, .deny(Deny(reason: .listenOnly)))])
        #expect(r.receive(try text(#"{"t":"talk","on":false}"#), from: 2, now: 0) == [])
        #expect(!r.receiveAudio(flags: [.start], from: 2, now: 0).forward)
        #expect(r.receive(try text(#"{"t":"chat","text":"I can chat"}"#), from: 2, now: 0).count == 1)
    }

    @Test func singleFloorDeniesBusyAndDropsTheOthersAudio() throws {
        var r = room(.single)
        #expect(r.receive(try text(#"{"t":"talk","on":true}"#), from: 1, now: 0).count == 1)
        #expect(r.holder == 1)
        #expect(r.receive(try text(#"{"t":"talk","on":true}"#), from: 2, now: 10 * ms) == [.send(to: 2, .deny(Deny(reason: .busy, holder: 1)))])
        #expect(!r.receiveAudio(flags: [.start], from: 2, now: 20 * ms).forward)
        #expect(r.receiveAudio(flags: [.start], from: 1, now: 20 * ms).forward)
        // The denied member's talk off is swallowed.
        #expect(r.receive(try text(#"{"t":"talk","on":false}"#), from: 2, now: 30 * ms) == [])
        // END frees the floor; then 2 may take it.
        #expect(r.receiveAudio(flags: [.end], from: 1, now: 40 * ms).forward)
        #expect(r.holder == nil)
        #expect(r.receive(try text(#"{"t":"talk","on":true}"#), from: 2, now: 50 * ms).count == 1)
        #expect(r.holder == 2)
        // Leaving frees it too, with a talk off on its behalf.
        #expect(r.leave(id: 2).first == .broadcast(.talk(from: 2, on: false), except: 2))
        #expect(r.holder == nil)
    }

    @Test func singleFloorStartFrameTakesNoFloor() {
        var r = room(.single)
        #expect(!r.receiveAudio(flags: [.start], from: 1, now: 0).forward)
        #expect(r.holder == nil)
    }

    @Test func maxTalkTimeCutsOffAndDropsTheRestOfTheSpurt() throws {
        var r = room(.single, maxTalk: 2000 * ms)
        _ = r.receive(try text(#"{"t":"talk","on":true}"#), from: 1, now: 0)
        var t: UInt64 = 0
        while t < 1980 * ms { #expect(r.receiveAudio(flags: [], from: 1, now: t).forward); t += 20 * ms }
        #expect(r.nextDeadline == 2000 * ms)
        #expect(r.tick(now: 2000 * ms) == [.send(to: 1, .deny(Deny(reason: .tooLong))), .broadcast(.talk(from: 1, on: false), except: 1)])
        #expect(r.holder == nil)
        #expect(!r.receiveAudio(flags: [], from: 1, now: 2020 * ms).forward)
        // Its own talk off is not forwarded; the floor is free for others.
        #expect(r.receive(try text(#"{"t":"talk","on":false}"#), from: 1, now: 2030 * ms) == [])
        #expect(r.receive(try text(#"{"t":"talk","on":true}"#), from: 2, now: 2040 * ms).count == 1)
    }

    @Test func maxTalkTimeOnFrameArrivalInAnOpenRoom() {
        var r = room(.open, maxTalk: 1000 * ms)
        #expect(r.receiveAudio(flags: [.start], from: 1, now: 0).forward)
        let late = r.receiveAudio(flags: [], from: 1, now: 1000 * ms)
        #expect(!late.forward)
        #expect(late.actions == [.send(to: 1, .deny(Deny(reason: .tooLong))), .broadcast(.talk(from: 1, on: false), except: 1)])
        // Dropped until END; then a new spurt is forwarded.
        #expect(!r.receiveAudio(flags: [.end], from: 1, now: 1020 * ms).forward)
        #expect(r.receiveAudio(flags: [.start], from: 1, now: 1040 * ms).forward)
    }

    @Test func cutOffEndsAfterSilence() {
        var r = room(.open, maxTalk: 1000 * ms)
        _ = r.receiveAudio(flags: [.start], from: 1, now: 0)
        _ = r.tick(now: 1000 * ms)
        #expect(r.members[1]?.talk == .cutOff(last: 1000 * ms))
        #expect(r.tick(now: 2000 * ms) == [])
        #expect(r.members[1]?.talk == .idle)
    }
}

@Suite struct RoomTalkTests {
    @Test func sinceIsTheSpurtsStartWhileTalking() {
        var r = RoomState(name: "test")
        _ = r.join(id: 1, name: "a", listen: false)
        #expect(r.members[1]?.talk.since == nil)
        _ = r.receiveAudio(flags: .start, from: 1, now: 100)
        #expect(r.members[1]?.talk.since == 100)
        _ = r.receiveAudio(flags: [], from: 1, now: 120)
        #expect(r.members[1]?.talk == .talking(since: 100, last: 120))
        #expect(r.members[1]?.talk.since == 100)
        _ = r.receiveAudio(flags: .end, from: 1, now: 140)
        #expect(r.members[1]?.talk.since == nil)
        #expect(RoomState.Talk.cutOff(last: 5).since == nil && RoomState.Talk.deniedBusy.since == nil)
    }

    /// The timer's `now` may be a little behind a frame another thread has just noted: the
    /// spurt is not silent, and no talk time is over.
    @Test func aTickBehindTheLastFrameEndsNothing() {
        var r = RoomState(name: "test", maxTalk: 60_000_000_000)
        _ = r.join(id: 1, name: "a", listen: false)
        _ = r.receiveAudio(flags: .start, from: 1, now: 10_000_000_000)
        _ = r.receiveAudio(flags: [], from: 1, now: 10_020_000_000)
        #expect(r.tick(now: 10_019_000_000) == [])
        #expect(r.members[1]?.talk == .talking(since: 10_000_000_000, last: 10_020_000_000))
        #expect(r.tick(now: 9_999_000_000) == [])
        #expect(r.members[1]?.isTalking == true)
    }
}
