import Testing
@testable import PTTProtocol

/// The JSON examples of PROTOCOL.md §3, as golden text both ways.
@Suite struct ControlMessageGoldenTests {
    static let hello = #"{"t":"hello","v":1,"from":2871346561,"name":"alice","agent":"ptt/0.1.0","listen":false}"#
    static let welcome = #"{"t":"welcome","v":1,"you":17,"room":"standup","peers":[{"id":12,"name":"bob","listen":false,"talking":false}],"agent":"ptt-relay/0.1.0","floor":"open"}"#
    static let talk = #"{"t":"talk","from":17,"on":true}"#

    @Test func helloExample() throws {
        let m = ControlMessage.hello(Hello(from: 2_871_346_561, name: "alice", agent: "ptt/0.1.0", listen: false))
        #expect(m.jsonText == Self.hello)
        #expect(try ControlMessage.decode(Array(Self.hello.utf8)) == m)
    }

    @Test func welcomeExample() throws {
        let m = ControlMessage.welcome(Welcome(you: 17, room: "standup",
                                               peers: [Peer(id: 12, name: "bob", listen: false, talking: false)],
                                               agent: "ptt-relay/0.1.0", floor: .open))
        #expect(m.jsonText == Self.welcome)
        #expect(try ControlMessage.decode(Array(Self.welcome.utf8), limit: ControlMessage.maxRelayMessageSize) == m)
    }

    @Test func talkExample() throws {
        let m = ControlMessage.talk(from: 17, on: true)
        #expect(m.jsonText == Self.talk)
        #expect(try ControlMessage.decode(Array(Self.talk.utf8)) == m)
    }

    @Test func everyTypeRoundTrips() throws {
        let all: [ControlMessage] = [
            .hello(Hello(from: nil, name: "Zoë", agent: nil, listen: true, re: true)),
            .join(Peer(id: 5, name: "carol", listen: true)),
            .leave(id: 5),
            .talk(from: 9, on: false),
            .chat(from: 9, text: "line \"one\"\nline\ttwo \\ é 🎙️"),
            .ping(from: 9, ts: 9_007_199_254_740_991),
            .pong(ts: 0),
            .bye(from: 9),
            .deny(Deny(reason: .busy, holder: 12)),
            .deny(Deny(reason: .listenOnly)),
            .error(code: "bad-hello", text: "name is empty"),
            .unknown(type: "reaction", object: JSONObject([("t", .string("reaction")), ("emoji", .string("👍")), ("n", .number("1.5"))])),
        ]
        for m in all {
            #expect(try ControlMessage.decode(m.encoded()) == m, "\(m.type)")
        }
    }

    @Test func fixedEncodings() {
        #expect(ControlMessage.join(Peer(id: 5, name: "carol", listen: true)).jsonText == #"{"t":"join","id":5,"name":"carol","listen":true}"#)
        #expect(ControlMessage.leave(id: 5).jsonText == #"{"t":"leave","id":5}"#)
        #expect(ControlMessage.pong(ts: 123).jsonText == #"{"t":"pong","ts":123}"#)
        #expect(ControlMessage.deny(Deny(reason: .busy, holder: 12)).jsonText == #"{"t":"deny","reason":"busy","holder":12}"#)
        #expect(ControlMessage.error(code: "idle", text: "x").jsonText == #"{"t":"error","code":"idle","text":"x"}"#)
        #expect(ControlMessage.chat(from: 1, text: "a\u{1}b").jsonText == #"{"t":"chat","from":1,"text":"a\u0001b"}"#)
    }

    @Test func helloDefaultsAndOptionalFields() throws {
        let m = try ControlMessage.decode(Array(#"{"t":"hello","v":1,"name":"bob"}"#.utf8))
        #expect(m == .hello(Hello(from: nil, name: "bob", agent: nil, listen: false, re: nil)))
    }

    @Test func ignoresUnknownFieldsOfKnownTypes() throws {
        let text = #"{"t":"talk","from":3,"on":true,"future":{"x":[1,2,{"y":null}]},"z":1e3}"#
        let inbound = try ControlMessage.decodeInbound(Array(text.utf8))
        #expect(inbound.message == .talk(from: 3, on: true))
        // The object keeps them, so a relay forwards them unchanged.
        #expect(inbound.object["z"] == .number("1e3"))
        #expect(JSONValue.object(inbound.object).jsonText == text)
    }

    @Test func stampingKeepsOtherFields() throws {
        var inbound = try ControlMessage.decodeInbound(Array(#"{"t":"chat","text":"hi","from":999,"x":true}"#.utf8))
        inbound.object["from"] = .int(17)
        #expect(JSONValue.object(inbound.object).jsonText == #"{"t":"chat","text":"hi","from":17,"x":true}"#)
    }
}
