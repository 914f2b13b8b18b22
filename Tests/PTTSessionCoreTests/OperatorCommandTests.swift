import Testing
@testable import PTTProtocol
@testable import PTTSessionCore

@Suite struct OperatorCommandTests {
    @Test func parsesOperatorAndDirectCommands() throws {
        #expect(try ScriptCommand.parse("kick bob") == .op(.kick, name: "bob", minutes: 5))
        #expect(try ScriptCommand.parse("kick bob smith 30") == .op(.kick, name: "bob smith", minutes: 30))
        #expect(try ScriptCommand.parse("mute bob") == .op(.mute, name: "bob", minutes: 0))
        #expect(try ScriptCommand.parse("mute on") == .mute(true))
        #expect(try ScriptCommand.parse("op mute on") == .op(.mute, name: "on", minutes: 0))
        #expect(try ScriptCommand.parse("unmute bob") == .op(.unmute, name: "bob", minutes: 0))
        #expect(try ScriptCommand.parse("end bob") == .op(.end, name: "bob", minutes: 0))
        #expect(try ScriptCommand.parse("talk on carol") == .talkTo("carol"))
        #expect(try ScriptCommand.parse("talk on") == .talk(true))
        #expect(throws: ScriptCommand.ParseError.self) { try ScriptCommand.parse("kick bob 0") }
        #expect(throws: ScriptCommand.ParseError.self) { try ScriptCommand.parse("kick") }
        #expect(throws: ScriptCommand.ParseError.self) { try ScriptCommand.parse("op ban bob") }
    }

    func joined(op: Bool, forwarder: Bool = false) -> SessionCore {
        var core = SessionCore(config: .init(room: "r", name: "me", listen: false, url: "ws://x/r"), randomID: 5)
        _ = core.start()
        _ = core.opened(subprotocol: forwarder ? nil : "ptt.v1", now: 0)
        if !forwarder {
            let peers = [Peer(id: 2, name: "bob", listen: false), Peer(id: 3, name: "carol", listen: false, op: true)]
            _ = core.receivedText(ControlMessage.welcome(Welcome(you: 1, room: "r", peers: peers, agent: "a", floor: .open, op: op)).encoded(), now: 0)
        }
        return core
    }

    @Test func operatorRequestsGoOnlyFromAnOperatorOnARelay() {
        let core = joined(op: true)
        #expect(core.isOperator)
        #expect(core.roster[3]?.op == true && core.roster[2]?.op == false)
        guard case .success(let actions) = core.operatorRequest(.kick, name: "bob", minutes: 7),
              case .sendText(let bytes)? = actions.first else { Issue.record("not sent"); return }
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"t":"op","from":1,"do":"kick","name":"bob","minutes":7}"#)
        guard case .failure(let why) = joined(op: false).operatorRequest(.mute, name: "bob", minutes: 0) else { Issue.record("sent"); return }
        #expect(why.description.contains("not an operator"))
    }

    @Test func directTalkNamesItsMemberInTalkMessages() {
        var core = joined(op: false)
        #expect(core.setDirectTarget(name: "nobody") == "nobody named nobody is in the room")
        #expect(core.setDirectTarget(name: "me") != nil)
        #expect(core.setDirectTarget(name: "bob") == nil)
        let actions = core.outgoingFrame(payload: [1], flags: .start)
        let texts = actions.compactMap { if case .sendText(let b) = $0 { return String(decoding: b, as: UTF8.self) } else { return nil } }
        #expect(texts == [#"{"t":"talk","from":1,"on":true,"to":2}"#])
        let end = core.outgoingFrame(payload: [1], flags: .end)
        let off = end.compactMap { if case .sendText(let b) = $0 { return String(decoding: b, as: UTF8.self) } else { return nil } }
        #expect(off == [#"{"t":"talk","from":1,"on":false,"to":2}"#])
    }

    @Test func aDirectSpurtToUsIsMarkedAndModerationIsShown() {
        var core = joined(op: false)
        let on = core.receivedText(Array(#"{"t":"talk","from":2,"on":true,"to":1}"#.utf8), now: 1)
        guard case .event(.talkStarted(let m))? = on.first else { Issue.record("\(on)"); return }
        #expect(m.directToMe)
        let muted = core.receivedText(Moderation(action: .mute, id: 2, name: "bob", by: 3).message.encoded(), now: 2)
        #expect(core.roster[2]?.mutedByOperator == true)
        #expect(muted.contains(.event(.moderated(action: "mute", id: 2, name: "bob", by: "carol", minutes: nil))))
        // An op answer does not end our spurt.
        _ = core.outgoingFrame(payload: [1], flags: .start)
        let answer = core.receivedText(ControlMessage.deny(Deny(reason: .notOperator)).encoded(), now: 3)
        #expect(!answer.contains { if case .stopTransmitting = $0 { return true } else { return false } })
        #expect(core.transmitting)
    }

    @Test func throughAForwarderThereIsNoOperatorOrDirectTalk() {
        var core = joined(op: false, forwarder: true)
        #expect(core.setDirectTarget(name: "bob")?.contains("needs a ptt relay") == true)
        guard case .failure(let why) = core.operatorRequest(.kick, name: "bob", minutes: 5) else { Issue.record("sent"); return }
        #expect(why.description.contains("plain forwarder"))
    }
}
