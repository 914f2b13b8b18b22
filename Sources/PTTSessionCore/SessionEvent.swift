import PTTProtocol

/// What happened in a session, for the screen and for `--json` output.
public enum SessionEvent: Equatable, Sendable {
    /// The WebSocket is open; `link` says whether a ptt relay or a plain forwarder answered.
    case connected(link: SessionCore.Link, url: String)
    /// The room is joined: `you` is our id (assigned by a relay, or our own through a forwarder).
    case ready(you: UInt32, room: String, floor: Floor)
    case memberJoined(Roster.Member)
    case memberLeft(Roster.Member)
    case memberRenamed(Roster.Member)
    case talkStarted(Roster.Member)
    case talkStopped(Roster.Member)
    /// A member muted or unmuted its microphone.
    case micChanged(Roster.Member)
    /// Our own microphone was muted or unmuted.
    case ownMic(muted: Bool)
    /// Our own transmission started or stopped (what the relay was told).
    case transmitting(Bool)
    case chat(from: UInt32, name: String, text: String, own: Bool)
    /// A scribe's caption of member `id`'s spurt; `final: false` is a partial one, replaced by
    /// the next about the same member.
    case caption(id: UInt32, name: String, text: String, final: Bool, scribe: UInt32)
    case denied(reason: Deny.Reason, holder: String?)
    /// The relay sent the room's last `count` spurts (kept to replay: `replays`, `replay N`).
    case history(count: Int)
    /// An operator (`by`) acted on member `id`: `kick`, `mute`, `unmute`, `end` or `preempt`.
    case moderated(action: String, id: UInt32, name: String, by: String, minutes: Int?)
    /// The relay's `error` before it closes.
    case relayError(code: String, text: String)
    case roundTrip(milliseconds: Int)
    case disconnected(code: UInt16, reason: String)
    /// The next attempt comes `after` nanoseconds.
    case reconnecting(after: UInt64, attempt: Int)
    /// The session is over and will not reconnect.
    case ended(SessionCore.EndReason)
}
