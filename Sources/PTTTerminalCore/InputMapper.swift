import PTTProtocol

/// Turns decoded terminal input into ``UIIntent``s: the key bindings, the talk-key
/// ``HoldDetector`` and, while chat is open, the ``LineEditor``.
///
/// Keys (chat closed): hold space to talk, `q` or Ctrl+C quit, `m` microphone mute, `d` deafen,
/// Up/Down or Tab/Shift+Tab pick a member, `+`/`=` and `-` volume (the picked member's, else the
/// master), `x` silence the picked member, `r` hear the last spurt again (`R` lists them, then
/// a digit picks one), Esc close the help box or drop the pick, `t` talk
/// mode, `?` help, `s` stats, Enter opens chat. While a box is open (``boxOpen``) `q` closes it
/// instead of quitting. With chat open, keys edit the line; Enter sends, Esc cancels, Ctrl+C
/// still quits. Releases (kitty) only matter for space; repeats only for volume, picking and
/// editing, so a held `m` does not flicker.
///
/// The editor and the hold method are input-side state: the terminal copies them into the
/// ``ScreenModel`` it draws (``ScreenModel/editor``, ``ScreenModel/holdMethod``).
public struct InputMapper: Equatable, Sendable {
    public private(set) var hold: HoldDetector
    /// The chat line being typed; nil while chat is closed.
    public private(set) var editor: LineEditor?
    /// After `R`: the next key picks a spurt to hear again (a digit) or lets it be.
    public private(set) var pickingReplay = false
    /// A box (help) is open over the screen: `q` and Esc close it. Follows `?` and Esc at once;
    /// the terminal sets it from every model it draws.
    public var boxOpen = false

    public init(hold: HoldDetector = HoldDetector()) {
        self.hold = hold
    }

    /// When ``expire(now:)`` must run next (an autorepeat release timeout), if ever.
    public var deadline: UInt64? { hold.deadline }

    /// Handles one decoded input at `now` (monotonic nanoseconds).
    public mutating func handle(_ input: TerminalInput, now: UInt64) -> [UIIntent] {
        switch input {
        case .kittyFlags:
            hold.setKittyActive()
            return []
        case .deviceAttributes:
            return []
        case .key(let event):
            return handle(event, now: now)
        }
    }

    /// Handles one key event at `now`.
    public mutating func handle(_ event: KeyEvent, now: UInt64) -> [UIIntent] {
        if event.isCtrlC {
            return event.kind == .release ? [] : [.quit]
        }
        if editor != nil {
            return edit(event)
        }
        if event.isSpace {
            return hold.key(event.kind, kitty: event.isKitty, now: now).map { [Self.intent($0)] } ?? []
        }
        guard event.kind != .release, event.modifiers.significant.subtracting(.shift).isEmpty else { return [] }
        let isRepeat = event.kind == .repeat
        if pickingReplay, !isRepeat {
            pickingReplay = false
            if case .character(let c) = event.key, let digit = c.wholeNumberValue {
                return [.replay(back: digit == 0 ? 10 : digit)]
            }
        }
        switch event.key {
        case .enter where !isRepeat:
            editor = LineEditor()
            let released = hold.reset().map { [Self.intent($0)] } ?? []
            return released + [.openChat]
        case .escape where !isRepeat:
            boxOpen = false
            return [.dismiss]
        case .down:
            return [.selectNext]
        case .up:
            return [.selectPrevious]
        case .tab:
            return [event.modifiers.significant.contains(.shift) ? .selectPrevious : .selectNext]
        case .character(let c):
            switch c {
            case "+", "=": return [.volumeUp]
            case "-": return [.volumeDown]
            case _ where isRepeat: return []
            case "q", "Q":
                guard boxOpen else { return [.quit] }
                boxOpen = false
                return [.dismiss]
            case "m": return [.toggleMicMute]
            case "d": return [.toggleMute]
            case "x": return [.toggleSelectedMute]
            case "r": return [.replay(back: 1)]
            case "R":
                pickingReplay = true
                return [.listReplays]
            case "t": return [.cycleMode]
            case "?":
                // Known here at once, before the client's next model says so.
                boxOpen.toggle()
                return [.toggleHelp]
            case "s": return [.toggleStats]
            case "c": return [.toggleCaptions]
            case "w": return [.toggleDirect]
            default: return []
            }
        default:
            return []
        }
    }

    /// Runs the hold detector's timeout; returns `talkReleased` when a release is inferred.
    public mutating func expire(now: UInt64) -> [UIIntent] {
        hold.expire(now: now).map { [Self.intent($0)] } ?? []
    }

    /// Follows the talk mode the client uses: `toggle` latches space, the others hold.
    public mutating func setTalkMode(_ mode: TalkMode) -> [UIIntent] {
        hold.setMode(mode == .toggle ? .toggle : .hold).map { [Self.intent($0)] } ?? []
    }

    /// Records that the terminal answered the kitty protocol query.
    public mutating func setKittyActive() {
        hold.setKittyActive()
    }

    private mutating func edit(_ event: KeyEvent) -> [UIIntent] {
        guard var e = editor else { return [] }
        let outcome = e.handle(event)
        switch outcome {
        case .editing:
            editor = e
            return []
        case .submit(let text):
            editor = nil
            return [.sendChat(text)]
        case .cancel:
            editor = nil
            return [.cancelChat]
        }
    }

    private static func intent(_ e: HoldDetector.Event) -> UIIntent {
        e == .pressed ? .talkPressed : .talkReleased
    }
}
