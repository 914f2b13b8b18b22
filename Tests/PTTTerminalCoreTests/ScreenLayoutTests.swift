import Testing
@testable import PTTTerminalCore

@Suite struct ScreenLayoutTests {
    static var sample: ScreenModel {
        ScreenModel(
            room: "standup", relayURL: "ws://127.0.0.1:7700", connection: .connected, roundTripMilliseconds: 12,
            members: [
                .init(id: 1, name: "alice", isSelf: true, jitterMilliseconds: 3, lossPercent: 0),
                .init(id: 2, name: "bob", talking: true, level: 0.5, jitterMilliseconds: 12, lossPercent: 1.25),
                .init(id: 3, name: "carol", listener: true),
            ],
            micLevelDBFS: -30,
            chat: [
                .init(time: "14:01", sender: "", text: "bob joined"),
                .init(time: "14:02", sender: "bob", text: "morning all"),
                .init(time: "14:03", sender: "alice", text: "hi bob"),
            ],
            volumePercent: 80
        )
    }

    static func show(_ s: RenderedScreen) -> String {
        s.lines.map { "|" + $0 + "|" }.joined(separator: "\n")
    }

    static func checkBounds(_ s: RenderedScreen, width: Int, height: Int) {
        #expect(s.rows.count == height)
        for line in s.lines { #expect(DisplayWidth.of(line) <= width, "too wide: \(line)") }
    }

    @Test func at80x24() {
        let s = ScreenLayout.render(Self.sample, width: 80, height: 24)
        Self.checkBounds(s, width: 80, height: 24)
        let l = s.lines
        #expect(l[0].hasPrefix(" ptt  #standup  connected  rtt 12 ms  ws://127.0.0.1:7700"))
        #expect(l[0].count == 80) // the header bar spans the width
        #expect(l[1].hasPrefix(" Room (3)") && l[1].contains("|  Chat"))
        #expect(l[2].hasPrefix("   alice (you)") && l[2].hasSuffix("| 14:01 * bob joined"))
        #expect(l[3].hasPrefix(" > bob           ####....| 14:02 bob: morning all"))
        #expect(l[4].hasPrefix("   carol         listen  | 14:03 alice: hi bob"))
        #expect(l[21].hasPrefix(" mic  -30.0 dBFS [###############---------------]"))
        #expect(l[22].hasPrefix(" hold space to talk | mode hold | autorepeat timing | vol 80%"))
        #expect(l[23] == " " + ScreenLayout.keyHelp)
        #expect(s.cursor == nil)
        // the talker is marked by text, and coloured where colour exists
        let bob = s.rows[3].runs
        #expect(bob.first == TextRun(" > bob", style: .bold, color: .talking))
    }

    /// Names and chat from others reach the screen without their controls: a bidirectional
    /// override or a C0/C1 control shows as U+FFFD instead of acting on the terminal.
    @Test func controlsInNamesAndChatAreShownInert() {
        var m = Self.sample
        m.members[1].name = "bob\u{202E}lave"
        m.chat[1] = .init(time: "14:02", sender: "bob\u{2066}", text: "hi\u{9B}2J\u{1B}[31mred\u{85}\u{7F}\u{200F}x\u{61C}")
        let s = ScreenLayout.render(m, width: 100, height: 24)
        Self.checkBounds(s, width: 100, height: 24)
        let text = s.lines.joined(separator: "\n")
        for line in s.lines {
            #expect(!line.unicodeScalars.contains(where: InertText.isControl), "\(line.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        #expect(text.contains("bob\u{FFFD}lave"))
        #expect(text.contains("bob\u{FFFD}: hi\u{FFFD}2J\u{FFFD}[31mred\u{FFFD}\u{FFFD}\u{FFFD}x\u{FFFD}"))
        #expect(InertText.of("plain é 漢 😀") == "plain é 漢 😀")
    }

    @Test func talkingDeniedBusyListenOnly() {
        var m = Self.sample
        m.talkState = .talking
        var row = ScreenLayout.render(m, width: 80, height: 24).rows[22]
        #expect(row.text.hasPrefix(" TALKING | mode hold"))
        #expect(row.runs[0] == TextRun(" TALKING ", style: [.bold, .reverse], color: .talking))
        m.talkState = .denied("too-long")
        #expect(ScreenLayout.render(m, width: 80, height: 24).lines[22].hasPrefix(" denied: too-long |"))
        m.talkState = .busy(holder: "bob")
        #expect(ScreenLayout.render(m, width: 80, height: 24).lines[22].hasPrefix(" busy: bob is talking |"))
        m.talkState = .listenOnly
        m.muted = true
        m.notice = "no microphone"
        m.micLevelDBFS = nil
        m.holdMethod = .kitty
        let s = ScreenLayout.render(m, width: 80, height: 24)
        #expect(s.lines[22].hasPrefix(" listen-only  DEAFENED | mode hold | kitty keys | vol 80% | no microphone"))
        #expect(s.lines[21] == " mic  none")
        m.talkMode = .vox
        m.talkState = .idle
        row = ScreenLayout.render(m, width: 80, height: 24).rows[22]
        #expect(row.text.hasPrefix(" voice activated  DEAFENED | mode vox | vol 80%"))
    }

    @Test func micMuteSilencedMembersAndThePick() {
        var m = Self.sample
        m.micMuted = true
        m.members[0].micMuted = true
        m.members[2].volumePercent = 60
        m.members.append(.init(id: 4, name: "dave", silenced: true))
        m.members.append(.init(id: 5, name: "erin", micMuted: true, volumePercent: 150))
        m.selectedID = 3
        let s = ScreenLayout.render(m, width: 80, height: 24)
        Self.checkBounds(s, width: 80, height: 24)
        let l = s.lines
        // Our own line and the status line say the microphone is off; others' state is tagged.
        #expect(l[2].hasPrefix("   alice (you)") && l[2].contains("mic off"), "\(l[2])")
        #expect(l[4].hasPrefix(" * carol") && l[4].contains("60% listen"), "\(l[4])")
        #expect(l[5].hasPrefix("   dave") && l[5].contains("silenced"), "\(l[5])")
        #expect(l[6].hasPrefix("   erin") && l[6].contains("150% mic off"), "\(l[6])")
        #expect(l[22].hasPrefix(" MIC OFF (m) | mode hold"), "\(l[22])")
        #expect(l[22].contains("| carol: vol 60% | vol 80%"), "\(l[22])")
        // The pick is reversed as well as starred.
        let name = s.rows[4].runs.first { $0.text.hasPrefix("carol") }
        #expect(name?.style.contains(.reverse) == true)
        // Talking with the microphone muted (a spurt being cut): said on the status line too.
        m.talkState = .talking
        #expect(ScreenLayout.render(m, width: 80, height: 24).lines[22].hasPrefix(" TALKING  MIC OFF "))
    }

    @Test func connectionStates() {
        var m = Self.sample
        m.connection = .reconnecting(inSeconds: 3, attempt: 2)
        let s = ScreenLayout.render(m, width: 80, height: 24)
        #expect(s.lines[0].hasPrefix(" ptt  #standup  reconnecting in 3 s (attempt 2)  ws://"))
        #expect(!s.lines[0].contains("rtt"))
        #expect(s.lines[22].hasPrefix(" hold space to talk  reconnecting in 3 s |"))
        m.connection = .disconnected("room is full")
        #expect(ScreenLayout.render(m, width: 80, height: 24).lines[0].contains("disconnected: room is full"))
        m.connection = .connecting
        #expect(ScreenLayout.render(m, width: 80, height: 24).lines[0].contains(" connecting"))
    }

    @Test func chatEditorAndCursor() {
        var m = Self.sample
        m.editor = LineEditor(text: "hello there")
        var s = ScreenLayout.render(m, width: 80, height: 24)
        #expect(s.lines[23] == "say> hello there")
        #expect(s.cursor == .init(row: 23, column: 16))
        // a long line scrolls so the cursor stays on screen
        m.editor = LineEditor(text: String(repeating: "abcdefghij", count: 30))
        s = ScreenLayout.render(m, width: 80, height: 24)
        #expect(s.cursor == .init(row: 23, column: 78))
        #expect(s.lines[23].hasPrefix("say> ") && s.lines[23].hasSuffix("hij"))
        Self.checkBounds(s, width: 80, height: 24)
    }

    @Test func chatLogShowsNewestAndWraps() {
        var m = Self.sample
        m.chat = (1...50).map { .init(time: "15:00", sender: "bob", text: "message \($0)") }
        var s = ScreenLayout.render(m, width: 80, height: 24)
        #expect(s.lines[20].hasSuffix("| 15:00 bob: message 50"))
        #expect(s.lines[2].hasSuffix("| 15:00 bob: message 32"))
        m.chat = [.init(time: "15:00", sender: "bob", text: String(repeating: "word ", count: 30) + "end")]
        s = ScreenLayout.render(m, width: 120, height: 40)
        Self.checkBounds(s, width: 120, height: 40)
        #expect(s.lines[1].hasPrefix(" Room (3)") && s.lines[1].dropFirst(31).hasPrefix("|  Chat"))
        #expect(s.lines[2].dropFirst(31).hasPrefix("| 15:00 bob: word word"))
        #expect(s.lines[3].dropFirst(31).hasPrefix("|       word"))
        #expect(s.lines[3].hasSuffix("end") || s.lines[4].hasSuffix("end"))
        #expect(s.lines[38].hasPrefix(" hold space to talk"))
    }

    @Test func statsAndHelpOnDemand() {
        var m = Self.sample
        m.statsVisible = true
        var s = ScreenLayout.render(m, width: 80, height: 24)
        #expect(s.lines[3].hasPrefix("     jit 3 ms  loss 0.0%"))
        #expect(s.lines[5].hasPrefix("     jit 12 ms  loss 1.3%") || s.lines[5].hasPrefix("     jit 12 ms  loss 1.2%"))
        #expect(s.lines[7].hasPrefix("     jit -  loss -"))
        m.helpVisible = true
        m.holdMethod = .kitty
        s = ScreenLayout.render(m, width: 80, height: 24)
        Self.checkBounds(s, width: 80, height: 24)
        let text = s.lines.joined(separator: "\n")
        #expect(text.contains("| Keys "))
        #expect(text.contains("| talk key release: kitty keys"))
        #expect(s.lines[22].hasPrefix(" hold space to talk")) // the status line stays visible
    }

    @Test(arguments: [(40, 12), (59, 24), (20, 6), (10, 5), (30, 4), (80, 3), (80, 2), (80, 1), (1, 1), (5, 24)])
    func degradesAtSmallSizes(_ size: (Int, Int)) {
        var m = Self.sample
        m.talkState = .talking
        let s = ScreenLayout.render(m, width: size.0, height: size.1)
        Self.checkBounds(s, width: size.0, height: size.1)
        // the talk state is always on screen
        let status = s.lines.first { $0.hasPrefix(String(" TALKING".prefix(size.0))) }
        #expect(status != nil, "no status line at \(size)")
    }

    @Test func smallScreenRows() {
        var m = Self.sample
        m.talkState = .talking
        #expect(ScreenLayout.render(m, width: 30, height: 1).lines == [" TALKING | mode hold | autorep"])
        m.editor = LineEditor(text: "hi")
        #expect(ScreenLayout.render(m, width: 30, height: 1).lines == ["say> hi"])
        let two = ScreenLayout.render(m, width: 30, height: 2)
        #expect(two.lines[0].hasPrefix(" TALKING") && two.lines[1] == "say> hi")
        #expect(two.cursor == .init(row: 1, column: 7))
        let three = ScreenLayout.render(m, width: 30, height: 3).lines
        #expect(three[0].hasPrefix(" ptt  #standup") && three[1].hasPrefix(" TALKING"))
        let stacked = ScreenLayout.render(m, width: 40, height: 12).lines
        #expect(stacked[1] == " Room (3)")
        #expect(stacked[3].hasPrefix(" > bob"))
        #expect(stacked.contains(" Chat"))
        #expect(stacked[9].hasPrefix(" mic"))
        #expect(ScreenLayout.render(m, width: 0, height: 24).rows.isEmpty)
        #expect(ScreenLayout.render(m, width: 80, height: 0).rows.isEmpty)
    }

    @Test func rosterOverflowIsCounted() {
        var m = Self.sample
        m.members = (1...40).map { .init(id: UInt32($0), name: "member\($0)") }
        let s = ScreenLayout.render(m, width: 80, height: 24)
        #expect(s.lines[1].hasPrefix(" Room (40)"))
        #expect(s.lines[19].hasPrefix("   member18 "))
        #expect(s.lines[20].hasPrefix("   +22 more "))
        m.members = (1...19).map { .init(id: UInt32($0), name: "member\($0)") }
        #expect(ScreenLayout.render(m, width: 80, height: 24).lines[20].hasPrefix("   member19"))
    }

    @Test func displayWidths() {
        #expect(DisplayWidth.of("abc") == 3)
        #expect(DisplayWidth.of("日本") == 4)
        #expect(DisplayWidth.of("e\u{301}") == 1)
        #expect(DisplayWidth.prefix("日本語", fitting: 5) == "日本")
        var m = Self.sample
        m.members[0].name = "日本語の名前はとても長いです"
        Self.checkBounds(ScreenLayout.render(m, width: 80, height: 24), width: 80, height: 24)
    }
}
