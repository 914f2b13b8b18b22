import Testing
@testable import PTTProtocol
@testable import PTTRelayCore

/// A scripted room session observed from outside: the events, the statistics, the telemetry.
@Suite struct SpeakingStatsTests {
    let second: UInt64 = 1_000_000_000

    func talk(_ on: Bool) -> InboundText {
        InboundText(message: .talk(from: nil, on: on), object: ControlMessage.talk(from: nil, on: on).jsonObject)
    }

    @Test func scriptedSessionGivesEventsAndStats() {
        var room = RoomState(name: "class", floor: .single)
        var activity = RoomActivity()
        var stats = SpeakingStats()
        var events: [RoomActivity.Event] = []
        func step(_ actions: [RoomAction], at ms: Int64) {
            for e in activity.observe(room, actions: actions) {
                events.append(e)
                stats.apply(e, room: "class", wallMillis: ms)
            }
        }
        step(room.join(id: 1, name: "teacher", listen: false), at: 0)
        step(room.join(id: 2, name: "pupil", listen: false), at: 0)
        // The teacher talks 3 s (talk on, frames, talk off).
        step(room.receive(talk(true), from: 1, now: 1 * second), at: 1000)
        for t in stride(from: 1, through: 4, by: 1) {
            let d = room.receiveAudio(flags: [], from: 1, now: UInt64(t) * second)
            // The relay observes the room only when something changed, and notes each frame.
            if !d.actions.isEmpty || t == 1 { step(d.actions, at: Int64(t) * 1000) }
            if d.forward { activity.heard(1, at: UInt64(t) * second) }
        }
        // The pupil tries meanwhile: busy.
        step(room.receive(talk(true), from: 2, now: 2 * second), at: 2000)
        step(room.receive(talk(false), from: 1, now: 4 * second), at: 4000)
        // The pupil talks 1 s, then goes silent: the room ends the spurt after 1 s of silence.
        step(room.receive(talk(true), from: 2, now: 5 * second), at: 5000)
        step(room.receiveAudio(flags: [], from: 2, now: 6 * second).actions, at: 6000)
        step(room.tick(now: 7 * second + 1), at: 7000)
        // The teacher talks again 1 s and leaves mid-spurt.
        step(room.receive(talk(true), from: 1, now: 8 * second), at: 8000)
        step(room.receiveAudio(flags: [], from: 1, now: 9 * second).actions, at: 9000)
        step(room.leave(id: 1), at: 9500)

        #expect(events == [
            .joined(id: 1, name: "teacher", listen: false), .joined(id: 2, name: "pupil", listen: false),
            .talkStarted(id: 1, name: "teacher"), .denied(id: 2, name: "pupil", reason: "busy"),
            .talkStopped(id: 1, name: "teacher", seconds: 3),
            .talkStarted(id: 2, name: "pupil"), .talkStopped(id: 2, name: "pupil", seconds: 1),
            .talkStarted(id: 1, name: "teacher"), .talkStopped(id: 1, name: "teacher", seconds: 1), .left(id: 1, name: "teacher"),
        ])
        let teacher = stats.rooms["class"]?.members["teacher"]
        #expect(teacher?.talkSeconds == 4 && teacher?.spurts == 2 && teacher?.longestSeconds == 3)
        #expect(teacher?.averageSeconds == 2 && teacher?.present == 0 && teacher?.lastActiveMillis == 9500)
        #expect(stats.rooms["class"]?.members["pupil"]?.talkSeconds == 1)
        #expect(stats.json() == #"{"rooms":[{"name":"class","talk_seconds":5.000,"members":["#
            + #"{"name":"teacher","talk_seconds":4.000,"spurts":2,"average_seconds":2.000,"longest_seconds":3.000,"share":0.800,"last_active_ms":9500,"present":false,"talking":false,"listener":false},"#
            + #"{"name":"pupil","talk_seconds":1.000,"spurts":1,"average_seconds":1.000,"longest_seconds":1.000,"share":0.200,"last_active_ms":7000,"present":true,"talking":false,"listener":false}]}]}"#)
    }

    @Test func unlistedRoomsAreHiddenUnlessAsked() {
        var stats = SpeakingStats()
        stats.apply(.joined(id: 1, name: "a", listen: false), room: "_secret", wallMillis: 0)
        stats.apply(.joined(id: 2, name: "b", listen: false), room: "open", wallMillis: 0)
        #expect(!stats.json().contains("_secret"))
        #expect(stats.json { _ in true }.contains("_secret"))
    }

    @Test func boundedWhateverClientsDo() {
        var stats = SpeakingStats()
        stats.maxRooms = 2
        stats.maxMembersPerRoom = 3
        for r in 0..<5 { for m in 0..<10 { stats.apply(.joined(id: UInt32(m + 1), name: "n\(m)", listen: false), room: "r\(r)", wallMillis: 0) } }
        #expect(stats.rooms.count == 2)
        #expect(stats.rooms.values.allSatisfy { $0.members.count == 3 })
    }

    @Test func telemetryLines() {
        #expect(RoomActivity.Event.talkStopped(id: 7, name: "al\"ice", seconds: 1.25).telemetryLine(room: "r", time: "T")
                == #"{"ts":"T","room":"r","event":"talk_stop","id":7,"name":"al\"ice","seconds":1.250}"#)
        #expect(RoomActivity.Event.denied(id: 2, name: "b", reason: "busy").telemetryLine(room: "r", time: "T")
                == #"{"ts":"T","room":"r","event":"deny","id":2,"name":"b","reason":"busy"}"#)
        #expect(SpeakingStats.number(0.0005).jsonText == "0.001")
        #expect(SpeakingStats.number(12).jsonText == "12.000")
    }
}
