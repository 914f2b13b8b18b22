import Testing
@testable import PTTProtocol
@testable import PTTTerminalCore

@Suite struct InputMapperTests {
    static let ms: UInt64 = 1_000_000

    static func keys(_ m: inout InputMapper, _ s: String, now: UInt64 = 0) -> [UIIntent] {
        var d = KeyDecoder()
        return d.feed(Array(s.utf8), now: now).flatMap { m.handle($0, now: now) }
    }

    @Test func commandKeys() {
        var m = InputMapper()
        #expect(Self.keys(&m, "q") == [.quit])
        #expect(Self.keys(&m, "\u{03}") == [.quit])
        #expect(Self.keys(&m, "\u{1B}[99;5u") == [.quit])
        #expect(Self.keys(&m, "md+=-ts") == [.toggleMicMute, .toggleMute, .volumeUp, .volumeUp, .volumeDown, .cycleMode, .toggleStats])
        #expect(Self.keys(&m, "\u{1B}[113u") == [.quit])
        #expect(Self.keys(&m, "\u{1B}[113;1:3u").isEmpty) // release of q
        #expect(Self.keys(&m, "\u{1B}[109;1:2u").isEmpty) // repeat of m: no flicker
        #expect(Self.keys(&m, "\u{1B}[43;1:2u") == [.volumeUp]) // repeat of +
        #expect(Self.keys(&m, "\u{1B}[47;2u") == [.toggleHelp]) // kitty shift+/ is ?
        #expect(Self.keys(&m, "\u{1B}[47;2u") == [.toggleHelp]) // and again: closed
        #expect(Self.keys(&m, "z\u{1B}[C").isEmpty)
    }

    @Test func escAndQCloseTheHelpBoxFirst() {
        var m = InputMapper()
        // `?` opens the box: q closes it instead of quitting, at once (before any new model).
        #expect(Self.keys(&m, "?") == [.toggleHelp])
        #expect(Self.keys(&m, "q") == [.dismiss])
        #expect(Self.keys(&m, "q") == [.quit])
        // Esc closes it too (the decoder sends a lone Esc once its timeout passes).
        #expect(Self.keys(&m, "?") == [.toggleHelp])
        var d = KeyDecoder()
        var intents = d.feed([0x1B], now: 0).flatMap { m.handle($0, now: 0) }
        intents += d.expire(now: 1_000 * Self.ms).flatMap { m.handle($0, now: 1_000 * Self.ms) }
        #expect(intents == [.dismiss])
        #expect(Self.keys(&m, "q") == [.quit])
        // The terminal tells it about a box the client opened.
        m.boxOpen = true
        #expect(Self.keys(&m, "\u{1B}[113u") == [.dismiss])
    }

    @Test func pickingAMemberAndSilencingIt() {
        var m = InputMapper()
        #expect(Self.keys(&m, "\t\u{1B}[B\u{1B}[A\u{1B}[Z") == [.selectNext, .selectNext, .selectPrevious, .selectPrevious])
        #expect(Self.keys(&m, "x") == [.toggleSelectedMute])
        #expect(Self.keys(&m, "\u{1B}[B\u{1B}[1;1:2B") == [.selectNext, .selectNext]) // held: repeats step on
    }

    @Test func spaceHoldLegacyAndKitty() {
        var m = InputMapper()
        #expect(Self.keys(&m, " ", now: 0) == [.talkPressed])
        #expect(Self.keys(&m, " ", now: 660 * Self.ms).isEmpty)
        #expect(m.deadline == 860 * Self.ms)
        #expect(m.expire(now: 860 * Self.ms) == [.talkReleased])
        #expect(m.hold.method == .autorepeat)
        #expect(Self.keys(&m, "\u{1B}[32u") == [.talkPressed])
        #expect(Self.keys(&m, "\u{1B}[32;1:2u").isEmpty)
        #expect(Self.keys(&m, "\u{1B}[32;1:3u") == [.talkReleased])
        #expect(m.hold.method == .kitty)
    }

    @Test func kittyReplySetsMethod() {
        var m = InputMapper()
        #expect(Self.keys(&m, "\u{1B}[?11u\u{1B}[?62c").isEmpty)
        #expect(m.hold.method == .kitty)
    }

    @Test func chatOpensEditsSendsAndCancels() {
        var m = InputMapper()
        #expect(Self.keys(&m, "\r") == [.openChat])
        #expect(m.editor != nil)
        #expect(Self.keys(&m, "hi q m\u{7F}x").isEmpty) // keys are text while chat is open
        #expect(m.editor?.text == "hi q x")
        #expect(Self.keys(&m, "\r") == [.sendChat("hi q x")])
        #expect(m.editor == nil)
        #expect(Self.keys(&m, "\rabc") == [.openChat])
        var d = KeyDecoder()
        _ = d.feed([0x1B], now: 0)
        #expect(d.expire(now: 100 * Self.ms).flatMap { m.handle($0, now: 0) } == [.cancelChat])
        #expect(m.editor == nil)
        #expect(Self.keys(&m, "\r\u{03}") == [.openChat, .quit])
    }

    @Test func openingChatEndsTalking() {
        var m = InputMapper()
        #expect(Self.keys(&m, "\u{1B}[32u") == [.talkPressed])
        #expect(Self.keys(&m, "\u{1B}[13u") == [.talkReleased, .openChat])
        #expect(Self.keys(&m, "\u{1B}[13;1:3u").isEmpty) // Enter's release does not close the editor
        #expect(Self.keys(&m, "\u{1B}[32u\u{1B}[32;1:3u\u{1B}[97;2u").isEmpty)
        #expect(m.editor?.text == " A")
    }

    @Test func talkModeFollowsTheClient() {
        var m = InputMapper()
        #expect(m.setTalkMode(.toggle).isEmpty)
        #expect(Self.keys(&m, "\u{1B}[32u\u{1B}[32;1:3u") == [.talkPressed])
        #expect(m.setTalkMode(.hold) == [.talkReleased])
        #expect(TalkMode.hold.next == .toggle && TalkMode.open.next == .hold)
        // vox and open: space still reports press and release; the client decides what they mean
        #expect(m.setTalkMode(.vox).isEmpty)
        #expect(Self.keys(&m, "\u{1B}[32u\u{1B}[32;1:3u") == [.talkPressed, .talkReleased])
    }
}
