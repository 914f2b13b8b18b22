/// What the user asked for, decided from keys. The client acts on intents; the screen only
/// renders the model the client pushes back (help, stats, mute and mode live in the model).
public enum UIIntent: Equatable, Sendable {
    /// The talk key went down (hold) or the latch turned on (toggle).
    case talkPressed
    /// The talk key went up (hold) or the latch turned off (toggle).
    case talkReleased
    /// `q`, or Ctrl+C.
    case quit
    /// `m`: mute or unmute the microphone.
    case toggleMicMute
    /// `d`: mute or unmute the speakers (deafen).
    case toggleMute
    /// `+` (or `=`): the selected member's volume, or the master volume.
    case volumeUp
    /// `-`.
    case volumeDown
    /// Down arrow or Tab: select the next member (after the last: none, the master volume).
    case selectNext
    /// Up arrow or Shift+Tab.
    case selectPrevious
    /// `x`: silence the selected member, or give them back.
    case toggleSelectedMute
    /// Esc, or `q` while a box is open: close the box, else drop the selection.
    case dismiss
    /// `r`: hear the last spurt again; after `R`, a digit picks one (1 the last, 0 the tenth).
    case replay(back: Int)
    /// `R`: list the spurts that can be heard again; the next key picks one.
    case listReplays
    /// `t`: next talk mode.
    case cycleMode
    /// `?`.
    case toggleHelp
    /// `s`: per-member jitter and loss.
    case toggleStats
    /// `c`: a scribe's captions shown in the chat pane or hidden.
    case toggleCaptions
    /// `w`: the talk key speaks to the picked member alone (direct talk), or to the room again.
    case toggleDirect
    /// Enter: the chat line editor opened.
    case openChat
    /// Enter in the editor: send this line.
    case sendChat(String)
    /// Esc in the editor (or Enter on an empty line).
    case cancelChat
}
