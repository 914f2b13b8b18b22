import Testing
@testable import PTTProtocol
@testable import PTTAudioCore
@testable import PTTSessionCore

@Suite struct ScriptModeTests {
    @Test func parsesCommands() throws {
        #expect(try ScriptCommand.parse("talk on") == .talk(true))
        #expect(try ScriptCommand.parse("  talk off \n") == .talk(false))
        #expect(try ScriptCommand.parse("chat hello  world ") == .chat("hello  world "))
        #expect(try ScriptCommand.parse("mute on") == .mute(true))
        #expect(try ScriptCommand.parse("quit") == .quit)
        #expect(try ScriptCommand.parse(" stats ") == .stats)
        #expect(try ScriptCommand.parse("exit\r\n") == .quit)
        #expect(try ScriptCommand.parse("mic off") == .mic(on: false))
        #expect(try ScriptCommand.parse("mic on") == .mic(on: true))
        #expect(try ScriptCommand.parse("deafen on") == .mute(true))
        #expect(try ScriptCommand.parse("volume bob 80") == .volume(name: "bob", percent: 80))
        #expect(try ScriptCommand.parse("volume  mary ann  150 ") == .volume(name: "mary ann", percent: 150))
        #expect(try ScriptCommand.parse("silence mary ann on") == .silence(name: "mary ann", on: true))
        #expect(try ScriptCommand.parse("silence bob off") == .silence(name: "bob", on: false))
    }

    @Test func rejectsBadSpeakerCommands() {
        for bad in ["volume bob", "volume 80", "volume bob 201", "volume bob -10", "volume bob loud"] {
            #expect(throws: ScriptCommand.ParseError.usage("volume NAME PERCENT (0 to 200)"), "\(bad)") { try ScriptCommand.parse(bad) }
        }
        for bad in ["silence bob", "silence on", "silence bob maybe"] {
            #expect(throws: ScriptCommand.ParseError.usage("silence NAME on|off"), "\(bad)") { try ScriptCommand.parse(bad) }
        }
        #expect(throws: ScriptCommand.ParseError.usage("mic on|off")) { try ScriptCommand.parse("mic mute") }
        #expect(ScriptCommand.ParseError.unknown("x").description.contains("mic on|off"))
    }

    @Test func rejectsBadCommands() {
        #expect(throws: ScriptCommand.ParseError.empty) { try ScriptCommand.parse("   ") }
        #expect(throws: ScriptCommand.ParseError.unknown("shout")) { try ScriptCommand.parse("shout hi") }
        #expect(throws: ScriptCommand.ParseError.usage("talk on|off, or talk on NAME (to that member alone)")) { try ScriptCommand.parse("talk maybe") }
        #expect(throws: ScriptCommand.ParseError.usage("chat TEXT (1 to 1000 characters)")) { try ScriptCommand.parse("chat") }
        #expect(throws: ScriptCommand.ParseError.usage("chat TEXT (1 to 1000 characters)")) {
            try ScriptCommand.parse("chat " + String(repeating: "x", count: 1001))
        }
        #expect(throws: ScriptCommand.ParseError.usage("quit")) { try ScriptCommand.parse("quit now") }
        #expect(throws: ScriptCommand.ParseError.usage("stats")) { try ScriptCommand.parse("stats please") }
        #expect(ScriptCommand.ParseError.unknown("x").description.contains("talk on|off"))
    }

    @Test func statisticsAreOneObjectPerSpeaker() {
        var st = JitterBuffer.Statistics()
        st.received = 50; st.played = 48; st.lost = 2; st.underruns = 1
        st.playout.targetNanos = 16_700_000; st.playout.delayNanos = -50_000; st.playout.quantileNanos = 1_000_000
        st.playout.burstNanos = 29_960_000; st.playout.acceleratedSamples = 480; st.playout.stalls = 1
        let line = JSONValue.object(st.jsonObject(id: 7)).jsonText
        #expect(line == #"{"id":7,"received":50,"played":48,"lost":2,"late":0,"duplicates":0,"concealed":0,"recovered":0,"underruns":1,"dropped":0,"spurts":0,"depth":0,"target_ms":16.7,"delay_ms":-0.1,"arrival_p95_ms":1.0,"burst_ms":30.0,"accelerated_ms":10.0,"slowed_ms":0.0,"waited_ms":0.0,"stalls":1}"#)
    }

    @Test func eventsAreOneJSONObjectPerLine() throws {
        let bob = Roster.Member(id: 12, name: "bob", listen: false, talking: true, lastHeard: .zero, lastTalkActivity: .zero)
        #expect(SessionEvent.talkStarted(bob).jsonLine == #"{"event":"talk","id":12,"name":"bob","on":true}"#)
        #expect(SessionEvent.memberJoined(bob).jsonLine == #"{"event":"joined","id":12,"name":"bob","listen":false}"#)
        #expect(SessionEvent.reconnecting(after: 1500 * .millisecond, attempt: 2).jsonLine == #"{"event":"reconnecting","in_ms":1500,"attempt":2}"#)
        #expect(SessionEvent.ended(.refused(status: 401, message: "m")).jsonLine == #"{"event":"ended","reason":"refused","status":401,"message":"m"}"#)
        #expect(SessionEvent.chat(from: 1, name: "a", text: "x\ny", own: true).jsonLine == #"{"event":"chat","id":1,"name":"a","text":"x\ny","own":true}"#)
        let anonymous = Roster.Member(id: 5, name: nil, listen: false, talking: false, lastHeard: .zero, lastTalkActivity: .zero)
        #expect(SessionEvent.memberLeft(anonymous).jsonLine == #"{"event":"left","id":5,"name":null}"#)
        // Every line parses back as a JSON object.
        for e: SessionEvent in [.connected(link: .relay, url: "ws://h/r"), .ready(you: 1, room: "r", floor: .single),
                                .transmitting(true), .denied(reason: .busy, holder: "bob"), .relayError(code: "idle", text: "t"),
                                .roundTrip(milliseconds: 3), .disconnected(code: 1006, reason: "lost"), .ended(.quit)] {
            guard case .object(let o) = try JSONValue.parse(e.jsonLine) else { Issue.record("not an object"); continue }
            #expect(o["event"] != nil)
        }
    }
}
