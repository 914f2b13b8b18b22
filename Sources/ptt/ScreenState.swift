import Glibc
import PTTAudio
import PTTProtocol
import PTTSessionCore
import PTTSystem
import PTTTerminalCore
import Synchronization

/// What the screen shows that the session does not keep: the chat log, notices, device
/// state, the reconnect countdown, toggles. Fed by call events (any thread); turned into a
/// `ScreenModel` together with the session's roster and the audio levels.
final class ScreenState: Sendable {
    struct Values {
        var chat: [ScreenModel.ChatLine] = []
        var connection: ScreenModel.Connection = .connecting
        /// When the next attempt comes, on the monotonic clock.
        var reconnectAt: UInt64?
        var reconnectAttempt = 0
        var roundTrip: Int?
        var talkState: ScreenModel.TalkState = .idle
        var microphone: DeviceStatus = .stopped
        var speakers: DeviceStatus = .stopped
        var helpVisible = false
        var statsVisible = false
        var hosting: String?
        /// The member `+`, `-` and `x` act on; nil: the master volume.
        var selected: UInt32?
        /// A scribe's captions are shown in the chat pane (`c` hides them; they are kept).
        var captionsVisible = true
        /// The member the talk key speaks to alone (`w`), by name.
        var directName: String?
    }

    static let maxChatLines = 500
    let values = Mutex(Values())
    let room: String
    let relayURL: String

    init(room: String, relayURL: String) {
        self.room = room
        self.relayURL = relayURL
    }

    /// Local wall-clock time as HH:MM, for the chat log.
    static func clock() -> String {
        var t = time(nil)
        var parts = tm()
        localtime_r(&t, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : String(v) }
        return "\(two(parts.tm_hour)):\(two(parts.tm_min))"
    }

    func log(_ sender: String, _ text: String, caption: Bool = false) {
        values.withLock { v in
            v.chat.append(ScreenModel.ChatLine(time: Self.clock(), sender: sender, text: text, caption: caption))
            if v.chat.count > Self.maxChatLines { v.chat.removeFirst(v.chat.count - Self.maxChatLines) }
        }
    }

    func notice(_ text: String) { log("", text) }

    func toggleHelp() { values.withLock { $0.helpVisible.toggle() } }

    /// Esc (or `q` over a box): the help box closes first, else the pick is dropped.
    func dismiss() {
        values.withLock { v in
            if v.helpVisible { v.helpVisible = false } else { v.selected = nil }
        }
    }

    var selected: UInt32? { values.withLock { $0.selected } }

    /// Picks the next (`step` 1) or previous (-1) of `ids` (the others, in screen order); past
    /// either end nobody is picked (the master volume), then it wraps around.
    func select(step: Int, among ids: [UInt32]) {
        values.withLock { v in
            guard !ids.isEmpty else { v.selected = nil; return }
            let current = v.selected.flatMap { ids.firstIndex(of: $0) }
            let next: Int?
            switch (current, step > 0) {
            case (nil, true): next = 0
            case (nil, false): next = ids.count - 1
            case (let i?, true): next = i + 1 < ids.count ? i + 1 : nil
            case (let i?, false): next = i > 0 ? i - 1 : nil
            }
            v.selected = next.map { ids[$0] }
        }
    }
    func toggleStats() { values.withLock { $0.statsVisible.toggle() } }

    /// `c`: captions shown or hidden; says which.
    func toggleCaptions() {
        let visible = values.withLock { v in
            v.captionsVisible.toggle()
            return v.captionsVisible
        }
        notice(visible ? "captions shown (c hides them)" : "captions hidden (c shows them)")
    }

    /// Applies one event from the call.
    func apply(_ event: CallEvent) {
        switch event {
        case .device(let direction, let status):
            let old = values.withLock { v -> DeviceStatus in
                defer { if direction == .capture { v.microphone = status } else { v.speakers = status } }
                return direction == .capture ? v.microphone : v.speakers
            }
            // What the device said, once per distinct failure (the status line only says "retrying").
            switch (old, status) {
            case (.unavailable(let before, _), .unavailable(let message, _)) where before == message:
                break
            case (_, .unavailable(let message, let retry)):
                notice("\(message) (retrying every \(max(1, retry / 1000)) s or so)")
            case (.unavailable, .running(let device)):
                notice("\(direction == .capture ? "microphone" : "speakers") working again: \(device)")
            default:
                break
            }
        case .session(let e):
            apply(e)
        }
    }

    func apply(_ e: SessionEvent) {
        switch e {
        case .connected(let link, _):
            if link == .forwarder { notice("connected through a plain forwarder: no relay roster or round trip") }
        case .ready:
            values.withLock { $0.connection = .connected; $0.reconnectAt = nil }
        case .memberJoined(let m):
            notice("\(m.displayName) joined\(m.listen ? " (listening)" : "")")
        case .memberLeft(let m):
            notice("\(m.displayName) left")
            values.withLock { v in
                if v.selected == m.id { v.selected = nil }
                Self.floorFreed(by: m, &v)
            }
        case .talkStopped(let m):
            values.withLock { Self.floorFreed(by: m, &$0) }
        case .memberRenamed, .talkStarted:
            break
        case .micChanged(let m):
            notice("\(m.displayName) \(m.micMuted ? "muted" : "unmuted") their microphone")
        case .ownMic(let muted):
            notice(muted ? "your microphone is off: nothing is sent in any mode (m turns it on)" : "your microphone is on")
        case .transmitting(let on):
            values.withLock { v in
                if on { v.talkState = .talking } else if v.talkState == .talking { v.talkState = .idle }
            }
        case .chat(_, let name, let text, _):
            log(name, text)
        case .history(let count):
            notice(count == 0 ? "the relay has no recent spurts of this room" : "the relay sent the room's last \(count) spurt\(count == 1 ? "" : "s"): R lists them, r plays the last")
        case .moderated(let action, _, let name, let by, let minutes):
            notice(Self.moderationText(action: action, name: name, by: by, minutes: minutes))
        case .caption(_, let name, let text, let final, _):
            // Partial captions change as the speaker goes on: only the final one is kept.
            if final { log(name, text, caption: true) }
        case .denied(let reason, let holder) where Deny.Reason.operatorAnswers.contains(reason):
            notice("the relay refused: " + Self.refusalText(reason, holder: holder))
        case .denied(let reason, let holder):
            values.withLock { v in
                switch reason {
                case .busy: v.talkState = .busy(holder: holder)
                case .listenOnly: v.talkState = .listenOnly
                case .tooLong: v.talkState = .denied("talked too long")
                default: v.talkState = .denied(Self.refusalText(reason, holder: holder))
                }
            }
        case .relayError(_, let text):
            notice("relay: \(text)")
        case .roundTrip(let ms):
            values.withLock { $0.roundTrip = ms }
        case .disconnected(_, let reason):
            notice("disconnected: \(reason)")
            values.withLock { $0.roundTrip = nil }
        case .reconnecting(let after, let attempt):
            values.withLock { v in
                v.reconnectAt = MonotonicClock.now() + after
                v.reconnectAttempt = attempt
            }
        case .ended(let reason):
            values.withLock { $0.connection = .disconnected(reason.message) }
        }
    }

    /// An operator's action, in words.
    static func moderationText(action: String, name: String, by: String, minutes: Int?) -> String {
        switch action {
        case "kick": return "\(by) removed \(name) from the room" + (minutes.map { " for \($0) minute\($0 == 1 ? "" : "s")" } ?? "")
        case "mute": return "\(by) muted \(name): the room no longer hears them"
        case "unmute": return "\(by) unmuted \(name)"
        case "end": return "\(by) ended \(name)'s spurt"
        case "preempt": return "\(by) took the floor from \(name)"
        case "history-on": return "\(by) lets members ask for the room's recent spurts again"
        case "history-off": return "\(by) turned off asking for the room's recent spurts"
        default: return "\(by): \(action) \(name)"
        }
    }

    /// A refusal's reason, in words.
    static func refusalText(_ reason: Deny.Reason, holder: String?) -> String {
        let who = holder ?? "someone"
        switch reason {
        case .preempted: return "\(who) (operator) took the floor"
        case .ended: return "\(who) (operator) ended your spurt"
        case .muted: return "an operator muted you"
        case .unknownMember: return "nobody of that name to talk to"
        case .selfTarget: return "direct talk is to someone else"
        case .notOperator: return "you are not an operator of this room"
        case .noSuchMember: return "nobody of that name is in the room"
        case .protected: return "\(who) is an operator, or yourself: operators cannot act on them"
        case .badRequest: return "that operator request was malformed"
        case .notTalking: return "\(who) is not talking"
        case .noHistory: return "this relay keeps no recent spurts of the room (it records none, or an operator turned it off)"
        default: return reason.rawValue
        }
    }

    /// `w`: the talk key speaks to `name` alone, or (nil) to the room again.
    func setDirect(_ name: String?) { values.withLock { $0.directName = name } }
    var directName: String? { values.withLock { $0.directName } }

    /// `m` stopped talking or left: a "busy" it caused no longer holds.
    static func floorFreed(by m: Roster.Member, _ v: inout Values) {
        if case .busy(let holder) = v.talkState, holder == nil || holder == m.displayName { v.talkState = .idle }
    }

    /// A press clears a previous denial: the user tries again.
    func talkPressed() {
        values.withLock { v in
            switch v.talkState {
            case .denied, .busy: v.talkState = .idle
            default: break
            }
        }
    }

    /// The screen's model now.
    func model(call: Call, name: String) -> ScreenModel {
        let v = values.withLock { $0 }
        let core = call.session.snapshot
        var connection = v.connection
        if let at = v.reconnectAt, case .waiting = core.phase {
            let left = Int(elapsed(from: MonotonicClock.now(), to: at) / .second) + 1
            connection = .reconnecting(inSeconds: left, attempt: v.reconnectAttempt)
        } else if case .connecting = core.phase, v.reconnectAt != nil {
            connection = .connecting
        }
        var members: [ScreenModel.Member] = []
        let me = core.myID
        members.append(ScreenModel.Member(id: me, name: name, isSelf: true, talking: core.transmitting,
                                          level: call.transmitter.map { Self.meter($0.captureLevel.rmsDBFS) } ?? 0,
                                          listener: call.listen, micMuted: core.micMuted))
        for m in core.roster.sorted {
            let setting = m.name.map { call.speakers[$0] } ?? SpeakerPreferences.Setting()
            var member = ScreenModel.Member(id: m.id, name: m.displayName, talking: m.talking,
                                            level: m.talking ? Self.meter(call.receiver.level(of: m.id).rmsDBFS) : 0,
                                            listener: m.listen, micMuted: m.micMuted,
                                            volumePercent: setting.volumePercent, silenced: setting.muted)
            member.op = m.op
            member.mutedByOperator = m.mutedByOperator
            member.directToMe = m.directToMe
            if v.statsVisible, let st = call.receiver.statistics(of: m.id) {
                member.jitterMilliseconds = st.playout.quantileNanos / 1_000_000   // 95 % of arrivals within
                let expected = st.played + st.lost
                member.lossPercent = expected > 0 ? 100 * Double(st.lost) / Double(expected) : 0
            }
            members.append(member)
        }
        var talkState = v.talkState
        var notices: [String] = []
        if let hosting = v.hosting { notices.append(hosting) }
        if let direct = v.directName { notices.append("space talks to \(direct) alone (w: to everyone)") }
        if call.listen {
            talkState = .listenOnly
        } else if case .unavailable = v.microphone {
            talkState = .listenOnly
            notices.append("no mic (retrying; see the chat log)")
        }
        if case .unavailable = v.speakers { notices.append("no speakers (retrying; see the chat log)") }
        let mix = call.mix.withLock { $0 }
        let micRunning: Bool = { if case .running = v.microphone { return true } else { return false } }()
        return ScreenModel(
            room: room, relayURL: relayURL, connection: connection, roundTripMilliseconds: v.roundTrip,
            members: members,
            micLevelDBFS: micRunning ? call.transmitter?.captureLevel.rmsDBFS : nil,
            chat: v.captionsVisible ? v.chat : v.chat.filter { !$0.caption }, talkMode: call.talkMode, talkState: talkState, muted: mix.muted,
            micMuted: core.micMuted, selectedID: v.selected.flatMap { core.roster[$0] != nil ? $0 : nil },
            volumePercent: Int((mix.volume * 100).rounded()), notice: notices.isEmpty ? nil : notices.joined(separator: "; "),
            helpVisible: v.helpVisible, statsVisible: v.statsVisible)
    }

    /// dBFS to a 0...1 bar: -60 dBFS and below is empty, 0 dBFS full.
    static func meter(_ dBFS: Double) -> Double { min(1, max(0, (dBFS + 60) / 60)) }
}
