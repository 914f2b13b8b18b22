import Testing
@testable import PTTProtocol
@testable import PTTRelayCore

/// Operators and direct talk in a room, as the relay decides them.
@Suite struct RoomOperatorTests {
    let ms: UInt64 = 1_000_000

    func text(_ json: String) throws -> InboundText { try ControlMessage.decodeInbound(Array(json.utf8)) }

    /// `op` (operator) id 1, members 2 ("bob") and 3 ("carol"), another operator 4.
    func room(_ floor: Floor = .open) -> RoomState {
        var r = RoomState(name: "test", floor: floor)
        _ = r.join(id: 1, name: "op", listen: false, op: true)
        _ = r.join(id: 2, name: "bob", listen: false)
        _ = r.join(id: 3, name: "carol", listen: false)
        _ = r.join(id: 4, name: "op2", listen: false, op: true)
        return r
    }

    func moderation(_ actions: [RoomAction]) -> [Moderation] {
        actions.compactMap { if case .broadcast(let m, nil) = $0 { return Moderation.parse(m) } else { return nil } }
    }

    @Test func operatorsAreMarkedInWelcomeAndJoin() {
        var r = room()
        let actions = r.join(id: 9, name: "dan", listen: false)
        guard case .send(9, .welcome(let w)) = actions.first else { Issue.record("\(actions)"); return }
        #expect(!w.op)
        #expect(w.peers.filter(\.op).map(\.id) == [1, 4])
        #expect(String(decoding: ControlMessage.join(Peer(id: 1, name: "op", listen: false, op: true)).encoded(), as: UTF8.self)
                == #"{"t":"join","id":1,"name":"op","listen":false,"op":true}"#)
        // A v1 peer without the field is no operator.
        #expect(String(decoding: ControlMessage.join(Peer(id: 2, name: "bob", listen: false)).encoded(), as: UTF8.self)
                == #"{"t":"join","id":2,"name":"bob","listen":false}"#)
    }

    @Test func anOperatorKicksAMember() throws {
        var r = room()
        let actions = r.receive(try text(#"{"t":"op","do":"kick","name":"bob","minutes":10}"#), from: 1, now: 0)
        #expect(moderation(actions) == [Moderation(action: .kick, id: 2, name: "bob", by: 1, minutes: 10)])
        #expect(actions.contains(.remove(id: 2, minutes: 10, by: 1)))
    }

    @Test func refusalsSayWhy() throws {
        var r = room()
        func answer(_ json: String, from: UInt32) throws -> Deny? {
            let actions = r.receive(try text(json), from: from, now: 0)
            guard actions.count == 1, case .send(let to, .deny(let d)) = actions[0], to == from else { return nil }
            return d
        }
        #expect(try answer(#"{"t":"op","do":"kick","name":"carol"}"#, from: 2)?.reason == .notOperator)
        #expect(try answer(#"{"t":"op","do":"kick","name":"nobody"}"#, from: 1)?.reason == .noSuchMember)
        #expect(try answer(#"{"t":"op","do":"kick","name":"op2"}"#, from: 1) == Deny(reason: .protected, holder: 4))
        #expect(try answer(#"{"t":"op","do":"mute","name":"op"}"#, from: 1) == Deny(reason: .protected, holder: 1))
        #expect(try answer(#"{"t":"op","do":"ban","name":"bob"}"#, from: 1)?.reason == .badRequest)
        #expect(try answer(#"{"t":"op","do":"kick","name":"bob","minutes":0}"#, from: 1)?.reason == .badRequest)
        #expect(try answer(#"{"t":"op","do":"end","name":"bob"}"#, from: 1) == Deny(reason: .notTalking, holder: 2))
        // A client cannot forge the relay's announcement: whatever passes on carries its `from`,
        // and clients take `moderation` only without one.
        let forged = r.receive(try text(#"{"t":"moderation","do":"kick","id":2,"name":"bob","by":1}"#), from: 3, now: 0)
        for case .forward(let object, 3) in forged { #expect(Moderation.parse(.unknown(type: "moderation", object: object)) == nil) }
        #expect(ControlMessage.relayOnlyTypes.contains("moderation"))
    }

    @Test func aMutedMembersAudioAndTalkAreDropped() throws {
        var r = room()
        _ = r.receive(try text(#"{"t":"talk","on":true}"#), from: 2, now: 0)
        let actions = r.receive(try text(#"{"t":"op","do":"mute","name":"bob"}"#), from: 1, now: 10 * ms)
        // Its spurt ends: told, and the room hears talk off.
        #expect(actions.contains(.send(to: 2, .deny(Deny(reason: .muted, holder: 1)))))
        #expect(actions.contains(.broadcast(.talk(from: 2, on: false), except: 2)))
        #expect(moderation(actions).map(\.action) == [.mute])
        #expect(r.receiveAudio(flags: [], from: 2, now: 20 * ms).forward == false)
        #expect(r.receive(try text(#"{"t":"talk","on":true}"#), from: 2, now: 2000 * ms) == [.send(to: 2, .deny(Deny(reason: .muted)))])
        // A newcomer learns who is muted.
        let joined = r.join(id: 9, name: "dan", listen: true)
        #expect(joined.contains(.send(to: 9, Moderation(action: .mute, id: 2, name: "bob", by: 1).message)))
        _ = r.receive(try text(#"{"t":"op","do":"unmute","name":"bob"}"#), from: 1, now: 3000 * ms)
        #expect(r.receiveAudio(flags: .start, from: 2, now: 3010 * ms).forward)
    }

    @Test func anOperatorEndsASpurtAndTakesASingleFloor() throws {
        var r = room(.single)
        _ = r.receive(try text(#"{"t":"talk","on":true}"#), from: 2, now: 0)
        #expect(r.holder == 2)
        // carol is refused, the operator preempts.
        #expect(r.receive(try text(#"{"t":"talk","on":true}"#), from: 3, now: 1) == [.send(to: 3, .deny(Deny(reason: .busy, holder: 2)))])
        let actions = r.receive(try text(#"{"t":"talk","on":true}"#), from: 1, now: 2)
        #expect(actions.contains(.send(to: 2, .deny(Deny(reason: .preempted, holder: 1)))))
        #expect(actions.contains(.broadcast(.talk(from: 2, on: false), except: 2)))
        #expect(moderation(actions) == [Moderation(action: .preempt, id: 2, name: "bob", by: 1)])
        #expect(r.holder == 1)
        #expect(r.receiveAudio(flags: [], from: 2, now: 3).forward == false)
        #expect(r.receiveAudio(flags: [], from: 1, now: 3).forward)
        // `end`: the operator ends another operator's? No: protected. It ends carol's once she talks.
        _ = r.receive(try text(#"{"t":"talk","on":false}"#), from: 1, now: 4)
        _ = r.receive(try text(#"{"t":"talk","on":true}"#), from: 3, now: 5)
        let ended = r.receive(try text(#"{"t":"op","do":"end","name":"carol"}"#), from: 4, now: 6)
        #expect(ended.contains(.send(to: 3, .deny(Deny(reason: .ended, holder: 4)))))
        #expect(r.holder == nil)
        #expect(r.receiveAudio(flags: [], from: 3, now: 7).forward == false)
    }

    @Test func directTalkReachesItsMemberAlone() throws {
        var r = room(.single)
        let on = r.receive(try text(#"{"t":"talk","on":true,"to":3}"#), from: 2, now: 0)
        guard case .forwardTo(let object, 2, 3)? = on.first, on.count == 1 else { Issue.record("\(on)"); return }
        #expect(object["from"] == .int(2) && object["to"] == .int(3))
        // It takes no floor, and its frames go to carol only.
        #expect(r.holder == nil)
        let frame = r.receiveAudio(flags: [], from: 2, now: 20 * ms)
        #expect(frame.forward && frame.to == 3)
        #expect(r.peers.first { $0.id == 2 }?.talking == false)
        // Silence ends it with a talk off to carol only.
        #expect(r.tick(now: 1100 * ms) == [.send(to: 3, .talk(from: 2, on: false))])
        // Refusals: oneself, nobody.
        #expect(r.receive(try text(#"{"t":"talk","on":true,"to":2}"#), from: 2, now: 2000 * ms) == [.send(to: 2, .deny(Deny(reason: .selfTarget)))])
        #expect(r.receive(try text(#"{"t":"talk","on":true,"to":99}"#), from: 2, now: 2001 * ms) == [.send(to: 2, .deny(Deny(reason: .unknownMember)))])
        // Talk off of a direct spurt goes to its member.
        _ = r.receive(try text(#"{"t":"talk","on":true,"to":3}"#), from: 2, now: 3000 * ms)
        let off = r.receive(try text(#"{"t":"talk","on":false}"#), from: 2, now: 3100 * ms)
        guard case .forwardTo(_, 2, 3)? = off.first else { Issue.record("\(off)"); return }
        // The next plain talk is for the room again.
        #expect(r.receiveAudio(flags: .start, from: 2, now: 4000 * ms).to == nil)
    }

    @Test func activityRecordsDirectSpurtsAndModeration() throws {
        var r = room()
        var activity = RoomActivity()
        _ = activity.observe(r)
        let on = r.receive(try text(#"{"t":"talk","on":true,"to":3}"#), from: 2, now: 0)
        #expect(activity.observe(r, actions: on) == [.talkStarted(id: 2, name: "bob"), .direct(id: 2, name: "bob", to: 3, toName: "carol")])
        let kick = r.receive(try text(#"{"t":"op","do":"kick","name":"carol","minutes":2}"#), from: 1, now: 5)
        #expect(activity.observe(r, actions: kick) == [.moderated(action: "kick", id: 3, name: "carol", by: 1, byName: "op", minutes: 2)])
        #expect(RoomActivity.Event.moderated(action: "kick", id: 3, name: "carol", by: 1, byName: "op", minutes: 2).telemetryLine(room: "test", time: "T")
                == #"{"ts":"T","room":"test","event":"moderation","do":"kick","id":3,"name":"carol","by":1,"by_name":"op","minutes":2}"#)
    }
}
