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
        func step(_ actions: [RoomAction], at ms: UInt64) {
            for e in activity.observe(room, actions: actions) {
                events.append(e)
                stats.apply(e, room: "class", now: ms * 1_000_000)
            }
        }
        step(room.join(id: 1, name: "teacher", listen: false), at: 0)
        step(room.join(id: 2, name: "pupil", listen: false), at: 0)
        // The teacher talks 3 s (talk on, frames, talk off).
        step(room.receive(talk(true), from: 1, now: 1 * second), at: 1000)
        for t in stride(from: 1, through: 4, by: 1) {
            let d = room.receiveAudio(flags: [], from: 1, now: UInt64(t) * second)
            // The relay observes the room only when something changed, and notes each frame.
            if !d.actions.isEmpty || t == 1 { step(d.actions, at: UInt64(t) * 1000) }
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
        let report = stats.report(now: 10 * second)
        let teacher = report.first?.members.first { $0.name == "teacher" }
        #expect(teacher?.talkSeconds == 4 && teacher?.spurts == 2 && teacher?.longestSeconds == 3)
        #expect(teacher?.averageSeconds == 2 && teacher?.present == false && teacher?.idleNanos == 500 * 1_000_000)
        #expect(teacher?.timeline == [.init(start: 1 * second, end: 4 * second), .init(start: 8 * second, end: 9 * second)])
        #expect(report.first?.members.first { $0.name == "pupil" }?.talkSeconds == 1)
        // Wall clock 100 000 ms at 10 s.
        #expect(stats.json(now: 10 * second, wallMillis: 100_000) == #"{"rooms":[{"name":"class","talk_seconds":5.000,"last_active_ms":99500,"members":["#
            + #"{"id":1,"name":"teacher","talk_seconds":4.000,"spurts":2,"direct_spurts":0,"average_seconds":2.000,"longest_seconds":3.000,"share":0.800,"last_active_ms":99500,"present":false,"talking":false,"listener":false,"#
            + #""timeline":[{"start_ms":91000,"end_ms":94000},{"start_ms":98000,"end_ms":99000}]},"#
            + #"{"id":2,"name":"pupil","talk_seconds":1.000,"spurts":1,"direct_spurts":0,"average_seconds":1.000,"longest_seconds":1.000,"share":0.200,"last_active_ms":97000,"present":true,"talking":false,"listener":false,"#
            + #""timeline":[{"start_ms":95000,"end_ms":96000}]}]}]}"#)
    }

    /// The member talking now: its spurt counts as it goes, and it is active now.
    @Test func spurtUnderWayIsCounted() {
        var stats = SpeakingStats()
        stats.apply(.joined(id: 1, name: "alice", listen: false), room: "r", now: 0)
        stats.apply(.talkStarted(id: 1, name: "alice"), room: "r", now: 3 * second)
        let alice = stats.report(now: 10 * second).first?.members.first
        #expect(alice?.talkSeconds == 7 && alice?.spurts == 1 && alice?.longestSeconds == 7)
        #expect(alice?.talking == true && alice?.idleNanos == 0)
        #expect(alice?.timeline == [.init(start: 3 * second, end: 10 * second)])
        #expect(stats.report(now: 10 * second).first?.idleNanos == 0)
        // Its end replaces the estimate with the spurt's own length.
        stats.apply(.talkStopped(id: 1, name: "alice", seconds: 7.5), room: "r", now: 11 * second)
        let after = stats.report(now: 12 * second).first?.members.first
        #expect(after?.talkSeconds == 7.5 && after?.spurts == 1 && after?.idleNanos == 1 * second)
        #expect(after?.timeline == [.init(start: 3 * second, end: 10_500_000_000)])
    }

    /// Two people who typed the same name one after the other are two lines while both are
    /// present; a member who leaves and comes back with the same name continues its line.
    @Test func linesArePerMemberAndAReconnectContinuesOne() {
        var stats = SpeakingStats()
        stats.apply(.joined(id: 1, name: "alice", listen: false), room: "r", now: 0)
        stats.apply(.talkStarted(id: 1, name: "alice"), room: "r", now: 0)
        stats.apply(.talkStopped(id: 1, name: "alice", seconds: 2), room: "r", now: 2 * second)
        // A second "alice" (through a relay that did not check names) while the first is there.
        stats.apply(.joined(id: 2, name: "alice", listen: false), room: "r", now: 3 * second)
        stats.apply(.talkStarted(id: 2, name: "alice"), room: "r", now: 3 * second)
        stats.apply(.talkStopped(id: 2, name: "alice", seconds: 1), room: "r", now: 4 * second)
        var members = stats.report(now: 5 * second).first?.members ?? []
        #expect(members.map(\.id) == [1, 2] && members.map(\.talkSeconds) == [2, 1])
        // The first leaves and comes back (a new id): its line goes on.
        stats.apply(.left(id: 1, name: "alice"), room: "r", now: 6 * second)
        stats.apply(.joined(id: 7, name: "alice", listen: false), room: "r", now: 7 * second)
        stats.apply(.talkStarted(id: 7, name: "alice"), room: "r", now: 8 * second)
        stats.apply(.talkStopped(id: 7, name: "alice", seconds: 1), room: "r", now: 9 * second)
        members = stats.report(now: 10 * second).first?.members ?? []
        #expect(members.count == 2)
        #expect(members.first { $0.id == 7 }?.talkSeconds == 3 && members.first { $0.id == 7 }?.spurts == 2)
        #expect(members.first { $0.id == 2 }?.talkSeconds == 1)
    }

    /// Rooms: the most recently active first; forgotten when idle (nobody present) too long.
    @Test func roomsByRecentActivityIdleOnesForgotten() {
        var stats = SpeakingStats()
        stats.idleRoomTimeout = 3600 * second
        stats.apply(.joined(id: 1, name: "a", listen: false), room: "zoo", now: 0)
        stats.apply(.joined(id: 2, name: "b", listen: false), room: "attic", now: 1 * second)
        stats.apply(.joined(id: 3, name: "c", listen: false), room: "middle", now: 2 * second)
        stats.apply(.talkStarted(id: 1, name: "a"), room: "zoo", now: 3 * second)
        #expect(stats.report(now: 4 * second).map(\.name) == ["zoo", "middle", "attic"])
        stats.apply(.talkStopped(id: 1, name: "a", seconds: 1), room: "zoo", now: 4 * second)
        stats.apply(.left(id: 2, name: "b"), room: "attic", now: 5 * second)
        #expect(stats.report(now: 6 * second).map(\.name) == ["attic", "zoo", "middle"])
        // An hour later: the empty room is gone, the rooms with people stay.
        let later = 5 * second + 3600 * second + 1
        #expect(stats.report(now: later).map(\.name) == ["zoo", "middle"])
        stats.apply(.joined(id: 4, name: "d", listen: false), room: "new", now: later)
        #expect(stats.rooms["attic"] == nil && stats.rooms.count == 3)
    }

    /// The timeline keeps the last 10 minutes and at most `maxSpurtsPerMember` spurts.
    @Test func timelineIsBounded() {
        var stats = SpeakingStats()
        stats.maxSpurtsPerMember = 5
        stats.apply(.joined(id: 1, name: "a", listen: false), room: "r", now: 0)
        for k in 0..<20 {
            let t = UInt64(k) * 60 * second
            stats.apply(.talkStarted(id: 1, name: "a"), room: "r", now: t)
            stats.apply(.talkStopped(id: 1, name: "a", seconds: 2), room: "r", now: t + 2 * second)
        }
        #expect(stats.rooms["r"]?.members.first?.recent.count == 5)
        #expect(stats.rooms["r"]?.members.first?.spurts == 20)
        // Twelve minutes after the last one: nothing in the window, the totals remain.
        let m = stats.report(now: 19 * 60 * second + 12 * 60 * second).first?.members.first
        #expect(m?.timeline == [] && m?.spurts == 20 && m?.talkSeconds == 40)
        stats.maxSpurtsPerMember = 100
        var fresh = SpeakingStats()
        fresh.apply(.joined(id: 1, name: "a", listen: false), room: "r", now: 0)
        for k in 0..<20 {
            let t = UInt64(k) * 60 * second
            fresh.apply(.talkStarted(id: 1, name: "a"), room: "r", now: t)
            fresh.apply(.talkStopped(id: 1, name: "a", seconds: 2), room: "r", now: t + 2 * second)
        }
        // Spurts that ended within the last 10 minutes of 19 min 2 s: from 9 min 2 s on.
        #expect(fresh.report(now: 19 * 60 * second + 2 * second).first?.members.first?.timeline.count == 11)
    }

    /// The SVG: one lane per member, a bar per spurt (the one under way in the talking
    /// colour), names escaped.
    @Test func timelineSVG() {
        var stats = SpeakingStats()
        let t0 = 1000 * second
        stats.apply(.joined(id: 1, name: "<b>&alice", listen: false), room: "r", now: t0)
        stats.apply(.joined(id: 2, name: "bob", listen: false), room: "r", now: t0)
        stats.apply(.joined(id: 3, name: "carol", listen: true), room: "r", now: t0)
        stats.apply(.talkStarted(id: 1, name: ""), room: "r", now: t0 + 60 * second)
        stats.apply(.talkStopped(id: 1, name: "", seconds: 30), room: "r", now: t0 + 90 * second)
        stats.apply(.talkStarted(id: 1, name: ""), room: "r", now: t0 + 120 * second)
        stats.apply(.talkStopped(id: 1, name: "", seconds: 10), room: "r", now: t0 + 130 * second)
        stats.apply(.talkStarted(id: 2, name: ""), room: "r", now: t0 + 140 * second)
        let now = t0 + 150 * second
        guard let room = stats.report(now: now).first else { Issue.record("no room"); return }
        let svg = room.timelineSVG(now: now)
        func count(_ s: String) -> Int { svg.split(separator: s, omittingEmptySubsequences: false).count - 1 }
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
        #expect(count(#"<g class="lane""#) == 3)
        #expect(count(#"class="spurt""#) == 2 && count(#"class="spurt talking""#) == 1)
        #expect(svg.contains(#"data-member="&lt;b&gt;&amp;alice""#) && !svg.contains("<b>"))
        #expect(svg.contains(#"fill="\#(SpeakingStats.RoomReport.laneColour)""#))
        #expect(svg.contains(#"fill="\#(SpeakingStats.RoomReport.talkingColour)""#))
        // 30 s of a 600 s window 600 px wide: 30 px, ending 60 s before now.
        #expect(svg.contains(#"x="660.0" y="2" width="30.0""#), "\(svg)")
        #expect(svg.contains(">now</text>") && svg.contains(">−10 min</text>"))
    }

    @Test func unlistedRoomsAreHiddenUnlessAsked() {
        var stats = SpeakingStats()
        stats.apply(.joined(id: 1, name: "a", listen: false), room: "_secret", now: 0)
        stats.apply(.joined(id: 2, name: "b", listen: false), room: "open", now: 0)
        #expect(!stats.json(now: 0, wallMillis: 0).contains("_secret"))
        #expect(stats.json(now: 0, wallMillis: 0) { _ in true }.contains("_secret"))
    }

    @Test func boundedWhateverClientsDo() {
        var stats = SpeakingStats()
        stats.maxRooms = 2
        stats.maxMembersPerRoom = 3
        for r in 0..<5 { for m in 0..<10 { stats.apply(.joined(id: UInt32(m + 1), name: "n\(m)", listen: false), room: "r\(r)", now: 0) } }
        #expect(stats.rooms.count == 2 && stats.rooms["r0"] != nil && stats.rooms["r1"] != nil, "every room has someone present: newcomers wait")
        #expect(stats.rooms.values.allSatisfy { $0.members.count == 3 })
        // A full room forgets the line absent the longest for a newcomer.
        stats.apply(.left(id: 2, name: "n1"), room: "r0", now: 1)
        stats.apply(.joined(id: 9, name: "new", listen: false), room: "r0", now: 2)
        #expect(stats.rooms["r0"]?.members.map(\.name) == ["n0", "n2", "new"])
    }

    /// Rooms churned in a hurry (joined and left) do not hide the room that comes after them:
    /// a new room replaces the empty room active the longest ago.
    @Test func churnedRoomsDoNotHideLaterOnes() {
        var stats = SpeakingStats()
        stats.maxRooms = 100
        stats.apply(.joined(id: 1, name: "boss", listen: false), room: "real", now: 0)
        for r in 0..<1000 {
            let t = UInt64(r + 1) * 1_000_000
            stats.apply(.joined(id: 2, name: "x", listen: false), room: "junk\(r)", now: t)
            stats.apply(.left(id: 2, name: "x"), room: "junk\(r)", now: t)
        }
        stats.apply(.joined(id: 3, name: "carol", listen: false), room: "later", now: 2_000_000_000)
        #expect(stats.rooms.count == 100)
        #expect(stats.rooms["real"] != nil && stats.rooms["later"] != nil && stats.rooms["junk0"] == nil && stats.rooms["junk999"] != nil)
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
