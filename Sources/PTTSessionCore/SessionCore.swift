import PTTProtocol

/// The client side of one room: connection phases, hello/welcome, roster, talking state,
/// pings, reconnects, and what to send when the talk gate opens and closes.
///
/// A value-type state machine: every input is a method that takes the
/// current time and returns actions for a shell to carry out. It owns no socket, device or
/// clock: instants are nanoseconds on the monotonic clock (see `Clock`), durations
/// nanoseconds too. Not thread-safe: one owner.
public struct SessionCore: Sendable {
    public enum Link: String, Equatable, Sendable {
        /// A ptt relay selected `ptt.v1`.
        case relay
        /// The handshake selected no subprotocol: a plain forwarder (PROTOCOL.md §6).
        case forwarder
    }

    public enum Phase: Equatable, Sendable {
        case idle
        /// A connection attempt is under way.
        case connecting(attempt: Int)
        /// Open, `hello` sent, waiting for `welcome`.
        case joining(since: UInt64)
        case joined(Link)
        /// Waiting to reconnect; the UI shows the countdown.
        case waiting(until: UInt64, attempt: Int)
        case ended(EndReason)
    }

    public enum EndReason: Equatable, Sendable {
        case quit
        /// The relay refused the upgrade (HTTP 400, 401, 403) or the URL.
        case refused(status: Int, message: String)
        /// Closed with a code that forbids reconnecting.
        case closed(code: UInt16, message: String)
        /// The relay could not be reached at start.
        case unreachable(String)

        /// Whether this is a failure (non-zero exit).
        public var isFailure: Bool { self != .quit }

        public var message: String {
            switch self {
            case .quit: return "left the room"
            case .refused(_, let m), .closed(_, let m), .unreachable(let m): return m
            }
        }
    }

    /// How a connection attempt failed before the WebSocket opened.
    public enum ConnectFailure: Equatable, Sendable {
        /// The server answered the upgrade with an HTTP status.
        case http(status: Int)
        /// No answer: refused, unresolvable, timed out, TLS failure…
        case unreachable(String)
        /// The relay's TLS certificate is not trusted (or not the one remembered): final, with
        /// what to do about it.
        case untrusted(String)
    }

    public enum Action: Equatable, Sendable {
        /// Open a WebSocket to the relay, offering `ptt.v1`.
        case connect
        case sendText([UInt8])
        case sendBinary([UInt8])
        /// Close the WebSocket with this code (the session has already moved on).
        case close(CloseCode)
        /// Stop transmitting: the relay denied or ended our talking.
        case stopTransmitting(Deny.Reason)
        /// Decode and play this frame through the speaker's jitter buffer.
        case play(AudioFrame)
        /// A spurt of the room's history the relay sent: keep it to replay, never play it live.
        case history(HistoryMessage.Spurt)
        case event(SessionEvent)
    }

    public struct Configuration: Equatable, Sendable {
        public var room: String
        public var name: String
        public var listen: Bool
        public var url: String
        /// Where the token sent came from (`--token`, `PTT_TOKEN`, a config file's line); nil
        /// when none is sent. A refusal (HTTP 401) then blames the token, not its absence.
        public var tokenOrigin: String?
        public var agent: String = PTTVersion.clientAgent
        /// Nanoseconds between pings.
        public var pingInterval: UInt64 = 5 * .second
        /// Nanoseconds to wait for `welcome` after `hello`.
        public var welcomeTimeout: UInt64 = 10 * .second

        public init(room: String, name: String, listen: Bool, url: String) {
            self.room = room
            self.name = name
            self.listen = listen
            self.url = url
        }
    }

    public let config: Configuration
    public private(set) var phase: Phase = .idle
    public private(set) var roster = Roster()
    /// Our id: random until a relay's `welcome` assigns one.
    public private(set) var myID: UInt32
    public private(set) var floor: Floor = .open
    /// The last round trip a `pong` measured, in nanoseconds (whole milliseconds).
    public private(set) var roundTrip: UInt64?
    /// Our microphone is muted: the others are told (`mic`), now and whenever they could have missed it.
    public private(set) var micMuted = false
    /// Whether a spurt of ours is under way (as far as the relay was told).
    public private(set) var transmitting = false
    /// We joined as an operator (the relay's `welcome` says so).
    public private(set) var isOperator = false
    /// The member our next spurts are for alone (direct talk); nil: the room.
    public private(set) var directTarget: UInt32?
    /// The member the spurt under way is for, fixed at its start.
    var spurtTarget: UInt32?
    /// The relay's `error` text before a 4405 close (an operator removed us).
    var removedText: String?
    /// Set by a `deny`: the rest of the current spurt is not sent.
    public private(set) var deniedUntilNextSpurt = false
    public var backoff = ReconnectBackoff()

    var seq: UInt16 = 0
    var lastPing: UInt64?
    var openedAt: UInt64?
    var everJoined = false
    /// The names of the room when we were last in it: what a 4409 suggestion avoids.
    var lastSeenNames: [String] = []
    let randomID: UInt32

    /// `randomID` must be non-zero and random: it is our id through a plain forwarder.
    public init(config: Configuration, randomID: UInt32) {
        precondition(randomID != 0, "ids are never 0")
        self.config = config
        self.randomID = randomID
        self.myID = randomID
    }

    public var link: Link? {
        if case .joined(let l) = phase { return l }
        if case .joining = phase { return .relay }
        return nil
    }

    public var isOpen: Bool {
        switch phase {
        case .joining, .joined: return true
        default: return false
        }
    }

    // MARK: Connection

    /// Begins the session.
    public mutating func start() -> [Action] {
        guard phase == .idle else { return [] }
        phase = .connecting(attempt: 1)
        return [.connect]
    }

    /// The WebSocket opened; `subprotocol` is what the handshake selected.
    public mutating func opened(subprotocol: String?, now: UInt64) -> [Action] {
        guard case .connecting = phase else { return [] }
        openedAt = now
        lastPing = now
        myID = randomID
        let link: Link = subprotocol == "ptt.v1" ? .relay : .forwarder
        var actions: [Action] = [.event(.connected(link: link, url: config.url)), sendHello(re: nil)]
        switch link {
        case .relay:
            phase = .joining(since: now)
        case .forwarder:
            phase = .joined(.forwarder)
            everJoined = true
            floor = .open
            actions.append(.event(.ready(you: myID, room: config.room, floor: .open)))
            if micMuted { actions.append(micAction) }
        }
        return actions
    }

    /// A connection attempt failed before opening.
    public mutating func connectFailed(_ failure: ConnectFailure, now: UInt64, random: Double) -> [Action] {
        guard case .connecting(let attempt) = phase else { return [] }
        switch failure {
        case .http(let status) where (400..<500).contains(status):
            return end(.refused(status: status, message: Self.httpMessage(status, tokenOrigin: config.tokenOrigin) + Self.roomTwiceHint(url: config.url, room: config.room)))
        case .http(let status):
            return scheduleReconnect(rule: .soon, attempt: attempt, now: now, random: random,
                                     disconnected: (0, "relay answered HTTP \(status)"))
        case .unreachable(let why):
            guard everJoined else { return end(.unreachable("cannot reach the relay at \(config.url): \(why)")) }
            return scheduleReconnect(rule: .soon, attempt: attempt, now: now, random: random, disconnected: nil)
        case .untrusted(let why):
            // Trying again would not change the certificate, and must not wear down a warning.
            return end(.unreachable(why))
        }
    }

    /// When the room's URL ends in the room twice, the relay URL given already held the room
    /// (as `--host` prints it, say): what to pass instead.
    static func roomTwiceHint(url: String, room: String) -> String {
        guard url.hasSuffix("/\(room)/\(room)") else { return "" }
        let base = url.dropLast(2 * (room.count + 1))
        guard !base.hasSuffix("/") else { return "" }   // ws://standup/standup: a host of that name
        return "; the relay URL already ends in the room: try --relay \(base)"
    }

    /// What a refused upgrade means, in words; `tokenOrigin` says where the token sent came
    /// from (nil: none was sent). The token itself is never part of it.
    public static func httpMessage(_ status: Int, tokenOrigin: String?) -> String {
        switch status {
        case 401:
            guard let tokenOrigin else { return "this relay needs a token (HTTP 401): pass --token" }
            return "the relay refused the token given (\(tokenOrigin)) (HTTP 401)"
        case 403: return "this token is not allowed in this room (HTTP 403)"
        case 400: return "the relay refused the room or the protocol (HTTP 400)"
        case 404: return "no relay at that URL (HTTP 404)"
        default: return "the relay refused the connection (HTTP \(status))"
        }
    }

    /// The open connection ended; `code` is nil when no close frame came (1006).
    public mutating func closed(code: UInt16?, now: UInt64, random: Double) -> [Action] {
        guard isOpen else { return [] }
        let close = CloseCode(rawValue: code ?? CloseCode.abnormal.rawValue)
        var reason = close == .nameTaken ? nameTakenMessage() : Self.closeMessage(close)
        // Removed by an operator: the relay's words say for how long.
        if close == .removed, let text = removedText { reason = text }
        var actions = dropConnectionState(now: now)
        if close.reconnect == .never {
            return actions + end(.closed(code: close.rawValue, message: reason))
        }
        actions += scheduleReconnect(rule: close.reconnect, attempt: 1, now: now, random: random,
                                     disconnected: (close.rawValue, reason))
        return actions
    }

    /// 4409 in words: the name is taken in this room; a free one to try instead (the first of
    /// name2, name3, … not in the roster, if we have seen the room).
    func nameTakenMessage() -> String {
        let own = Validation.nameSkeleton(config.name)
        let names = roster.members.isEmpty ? lastSeenNames : roster.members.values.compactMap(\.name)
        let taken = Set(names.map { Validation.nameSkeleton($0) })
        let suggestion = Validation.suggestName(for: config.name) { $0 == own || taken.contains($0) }
        return "the name \"\(config.name)\" is already taken in room \"\(config.room)\": choose another name, such as \"\(suggestion)\""
    }

    static func closeMessage(_ code: CloseCode) -> String {
        switch code.rawValue {
        case 1000: return "the relay closed the connection"
        case 1001: return "the relay is shutting down"
        case 1006: return "the connection was lost"
        case 1008: return "the relay rejected a message"
        case 1009: return "a message was too big for the relay"
        case 1011, 1012, 1013: return "the relay had an internal problem"
        case 4400: return "the relay refused our hello (name or fields invalid)"
        case 4403: return "not allowed in this room"
        case 4405: return "an operator removed you from the room"
        case 4408: return "the connection could not keep up with the room"
        case 4409: return "the name is already taken in this room"
        case 4410: return "the relay closed an idle connection"
        case 4413: return "the room is full"
        case 4426: return "the relay speaks another protocol version"
        default: return "closed with code \(code.rawValue)"
        }
    }

    /// Leaves on purpose: `bye`, then a normal close.
    public mutating func quit() -> [Action] {
        var actions: [Action] = []
        if isOpen {
            if transmitting { actions += endSpurtMessages() }
            actions.append(.sendText(ControlMessage.bye(from: myID).encoded()))
            actions.append(.close(.normal))
        }
        roster = Roster()
        return actions + end(.quit)
    }

    /// Time passes: pings, silence timeouts, forwarder pruning, welcome timeout, reconnects.
    public mutating func tick(now: UInt64, random: Double) -> [Action] {
        switch phase {
        case .waiting(let until, let attempt) where now >= until:
            phase = .connecting(attempt: attempt)
            return [.connect]
        case .joining(let since) where elapsed(from: since, to: now) >= config.welcomeTimeout:
            var actions = dropConnectionState(now: now)
            actions.append(.close(.goingAway))
            return actions + scheduleReconnect(rule: .soon, attempt: 1, now: now, random: random,
                                               disconnected: (0, "no welcome from the relay"))
        case .joining, .joined:
            var actions: [Action] = []
            if let last = lastPing, elapsed(from: last, to: now) >= config.pingInterval {
                lastPing = now
                actions.append(.sendText(ControlMessage.ping(from: myID, ts: Self.millis(now)).encoded()))
            }
            actions += Self.events(roster.expire(now: now, forwarder: link == .forwarder))
            return actions
        default:
            return []
        }
    }

    /// The earliest time `tick` has something to do: a reconnect, the welcome timeout, a ping,
    /// a talker gone silent or a forwarder peer to forget. nil when only an input (a message,
    /// a frame, a command) can change anything. Shells sleep until then rather than ticking at
    /// a fixed rate; any input may move it earlier, so they ask again after each one.
    public var nextDeadline: UInt64? {
        switch phase {
        case .waiting(let until, _):
            return until
        case .joining(let since):
            var due = since + config.welcomeTimeout
            if let ping = pingDue { due = min(due, ping) }
            if let expiry = roster.nextExpiry(forwarder: false) { due = min(due, expiry) }
            return due
        case .joined(let link):
            let expiry = roster.nextExpiry(forwarder: link == .forwarder)
            guard let ping = pingDue else { return expiry }
            return expiry.map { min($0, ping) } ?? ping
        case .idle, .connecting, .ended:
            return nil
        }
    }

    var pingDue: UInt64? { lastPing.map { $0 + config.pingInterval } }

    // MARK: Inbound

    /// A text message arrived.
    public mutating func receivedText(_ bytes: [UInt8], now: UInt64) -> [Action] {
        guard isOpen, let inbound = try? ControlMessage.decodeInbound(bytes, limit: ControlMessage.maxRelayMessageSize) else {
            return []
        }
        let message = inbound.message
        if link == .relay, case .talk(let from?, true) = message, DirectTalk.target(in: inbound.object) == myID {
            return Self.events(roster.setTalking(id: from, true, now: now, direct: true))
        }
        if link == .relay, let answer = HistoryMessage.answer(message) {
            switch answer {
            case .spurt(let spurt): return [.history(spurt)]
            case .done(let count): return [.event(.history(count: count))]
            }
        }
        if link == .relay, let m = Moderation.parse(message) {
            var actions: [Action] = []
            if m.action == .mute || m.action == .unmute, let member = roster.setMutedByOperator(id: m.id, m.action == .mute) {
                actions.append(.event(.micChanged(member)))
            }
            let by = m.by == myID ? config.name : roster[m.by]?.displayName ?? "#\(m.by)"
            let name = m.id == myID ? config.name : roster[m.id]?.displayName ?? m.name
            return actions + [.event(.moderated(action: m.action.rawValue, id: m.id, name: name, by: by, minutes: m.minutes))]
        }
        if let caption = CaptionMessage.parse(message), caption.from != myID {
            let heard = link == .forwarder ? Self.events(roster.heard(id: caption.from, now: now, addUnknown: true)) : []
            // The name the room knows now; the scribe's when the speaker has gone.
            let name = roster[caption.about]?.name ?? caption.name
            return heard + [.event(.caption(id: caption.about, name: name, text: caption.text, final: caption.final, scribe: caption.from))]
        }
        if let mic = MicMessage.parse(message), mic.from != myID {
            let heard = link == .forwarder ? Self.events(roster.heard(id: mic.from, now: now, addUnknown: true)) : []
            return announcingMic(heard + Self.events(roster.setMicMuted(id: mic.from, mic.muted)))
        }
        return announcingMic(link == .forwarder ? forwarderText(message, now: now) : relayText(message, now: now))
    }

    /// While muted, whoever joins (and the room, once we are in) is told: a relay keeps no such state.
    func announcingMic(_ actions: [Action]) -> [Action] {
        guard micMuted, actions.contains(where: { action in
            switch action {
            case .event(.ready), .event(.memberJoined): return true
            default: return false
            }
        }) else { return actions }
        return actions + [micAction]
    }

    var micAction: Action { .sendText(MicMessage.encoded(from: myID, muted: micMuted)) }

    /// Mutes or unmutes our microphone (the transmitter stops sending; this tells the room).
    public mutating func setMicMuted(_ muted: Bool) -> [Action] {
        guard muted != micMuted else { return [] }
        micMuted = muted
        var actions: [Action] = [.event(.ownMic(muted: muted))]
        if case .joined = phase { actions.append(micAction) }
        return actions
    }

    mutating func relayText(_ message: ControlMessage, now: UInt64) -> [Action] {
        switch message {
        case .welcome(let w):
            guard case .joining = phase else { return [] }
            myID = w.you
            floor = w.floor
            isOperator = w.op
            phase = .joined(.relay)
            everJoined = true
            var actions: [Action] = [.event(.ready(you: w.you, room: w.room, floor: w.floor))]
            actions += Self.events(roster.reset(peers: w.peers.filter { $0.id != w.you }, now: now))
            return actions
        case .join(let p):
            var changes = roster.upsert(id: p.id, name: p.name, listen: p.listen, now: now)
            roster.setOperator(id: p.id, p.op)
            if p.op, case .joined? = changes.first, let m = roster[p.id] { changes[0] = .joined(m) }
            return Self.events(changes)
        case .leave(let id):
            return Self.events(roster.remove(id: id))
        case .talk(let from?, let on):
            return Self.events(roster.setTalking(id: from, on, now: now))
        case .chat(let from?, let text):
            return [.event(.chat(from: from, name: roster[from]?.displayName ?? "#\(from)", text: text, own: false))]
        case .pong(let ts):
            let rtt = Self.millis(now) - ts
            guard rtt >= 0, rtt < 600_000 else { return [] }
            roundTrip = UInt64(rtt) * .millisecond
            return [.event(.roundTrip(milliseconds: Int(rtt)))]
        case .deny(let d) where Deny.Reason.operatorAnswers.contains(d.reason):
            // An answer to an operator's request: nothing of ours ends.
            return [.event(.denied(reason: d.reason, holder: d.holder.flatMap { roster[$0]?.displayName ?? "#\($0)" }))]
        case .deny(let d):
            deniedUntilNextSpurt = true
            // The spurt ends here as far as we are concerned; the relay drops the talk off
            // of a denied spurt, so sending it is harmless and keeps the rule simple.
            var actions: [Action] = [.stopTransmitting(d.reason)]
            if transmitting { actions += endSpurtMessages() }
            let holder = d.holder.flatMap { roster[$0]?.displayName ?? "#\($0)" }
            actions.append(.event(.denied(reason: d.reason, holder: holder)))
            return actions
        case .error(let code, let text):
            if code == "removed" { removedText = text }
            return [.event(.relayError(code: code, text: text))]
        default:
            return []
        }
    }

    mutating func forwarderText(_ message: ControlMessage, now: UInt64) -> [Action] {
        switch message {
        case .hello(let h):
            guard let from = h.from, from != myID else { return [] }
            guard roster[from] != nil || roster.members.count < Roster.maxForwarderPeers else { return [] }
            var actions = Self.events(roster.upsert(id: from, name: h.name, listen: h.listen, now: now))
            if h.re != true { actions.append(sendHello(re: true)) }
            return actions
        case .talk(let from?, let on) where from != myID:
            var actions = Self.events(roster.heard(id: from, now: now, addUnknown: true))
            actions += Self.events(roster.setTalking(id: from, on, now: now))
            return actions
        case .chat(let from?, let text) where from != myID:
            let actions = Self.events(roster.heard(id: from, now: now, addUnknown: true))
            return actions + [.event(.chat(from: from, name: roster[from]?.displayName ?? "#\(from)", text: text, own: false))]
        case .bye(let from?) where from != myID:
            return Self.events(roster.remove(id: from))
        case .ping(let from?, _) where from != myID:
            return Self.events(roster.heard(id: from, now: now, addUnknown: true))
        case .unknown(_, let object):
            if case .int(let v)? = object["from"], Validation.isValidID(v), UInt32(v) != myID {
                return Self.events(roster.heard(id: UInt32(v), now: now, addUnknown: true))
            }
            return []
        default:
            return []
        }
    }

    /// A binary message arrived.
    public mutating func receivedBinary(_ bytes: [UInt8], now: UInt64) -> [Action] {
        guard isOpen, let frame = try? AudioFrame.decode(bytes), frame.source != myID else { return [] }
        var actions: [Action] = []
        if link == .forwarder { actions += Self.events(roster.heard(id: frame.source, now: now, addUnknown: true)) }
        // A ptt relay stamps each frame with its sender's id and announces every member before
        // its first frame: audio from an id not in the roster is not from the room (nor is a
        // forwarder peer's beyond the roster's bound). Dropped, it costs no speaker to play it.
        guard roster[frame.source] != nil else { return actions }
        actions += Self.events(roster.frame(from: frame.source, flags: frame.flags, now: now))
        if frame.kind == .opus { actions.append(.play(frame)) }
        return actions
    }

    // MARK: Outbound

    /// One encoded frame from the talk gate, with START on the first of a spurt and END on
    /// the last. Returns what to send: `talk on` before a START, `talk off` after an END.
    /// Frames before the room is joined are dropped; the first one after joining starts the
    /// spurt (as after a reconnect in the middle of one).
    public mutating func outgoingFrame(payload: [UInt8], flags: AudioFrame.Flags) -> [Action] {
        guard case .joined = phase, !config.listen, !payload.isEmpty, payload.count <= AudioFrame.maxPayloadSize else {
            return []
        }
        var actions: [Action] = []
        var flags = flags
        // A spurt already under way when the session (re)joined starts here for the room.
        if !transmitting, !deniedUntilNextSpurt { flags.insert(.start) }
        if flags.contains(.start), !transmitting, floor == .single, let holder = roster.talkers.first {
            // The room has one floor and the roster shows it taken: busy now, without telling
            // the relay or sounding the permit first (the relay would refuse it a moment later).
            deniedUntilNextSpurt = true
            return [.stopTransmitting(.busy), .event(.denied(reason: .busy, holder: holder.displayName))]
        }
        if flags.contains(.start) {
            deniedUntilNextSpurt = false
            if transmitting { actions += endSpurtMessages() }
            transmitting = true
            spurtTarget = link == .relay ? directTarget : nil
            actions.append(.sendText(talkMessage(on: true)))
            actions.append(.event(.transmitting(true)))
        }
        guard transmitting, !deniedUntilNextSpurt else { return actions }
        var header: [UInt8] = []
        header.reserveCapacity(AudioFrame.headerSize + payload.count)
        AudioFrame.writeHeader(kind: .opus, source: myID, seq: seq, flags: flags, into: &header)
        header.append(contentsOf: payload)
        seq &+= 1
        actions.append(.sendBinary(header))
        if flags.contains(.end) {
            transmitting = false
            actions.append(.sendText(talkMessage(on: false)))
            actions.append(.event(.transmitting(false)))
        }
        return actions
    }

    /// Sends a chat line; invalid text is refused (nil) so the UI can say why.
    public mutating func chat(_ text: String) -> [Action]? {
        guard Validation.isValidChat(text) else { return nil }
        guard isOpen else { return [] }
        return [.sendText(ControlMessage.chat(from: myID, text: text).encoded()),
                .event(.chat(from: myID, name: config.name, text: text, own: true))]
    }

    /// Sends what a scribe recognized of a member's spurt (`caption`); nothing unless joined.
    public func caption(about id: UInt32, name: String, text: String, final: Bool) -> [Action] {
        guard case .joined = phase, Validation.isValidName(name), !text.isEmpty else { return [] }
        return [.sendText(CaptionMessage(from: myID, about: id, name: name, text: text, final: final).encoded())]
    }

    // MARK: Helpers

    mutating func endSpurtMessages() -> [Action] {
        transmitting = false
        return [.sendText(talkMessage(on: false)), .event(.transmitting(false))]
    }

    /// `talk` on or off for the spurt under way: with `to` when it is for one member.
    func talkMessage(on: Bool) -> [UInt8] {
        if let to = spurtTarget { return DirectTalk.encoded(from: myID, on: on, to: to) }
        return ControlMessage.talk(from: myID, on: on).encoded()
    }

    /// Why direct talk to `name` cannot be, or nil when the next spurts go to that member alone
    /// (nil name: to the room again). Takes effect at the next spurt's start.
    public mutating func setDirectTarget(name: String?) -> String? {
        guard let name else {
            directTarget = nil
            return nil
        }
        guard link == .relay else { return "direct talk needs a ptt relay: through a plain forwarder everyone hears every spurt" }
        guard name != config.name else { return "direct talk is to someone else, not to yourself" }
        guard let member = roster.sorted.first(where: { $0.name == name }) else { return "nobody named \(name) is in the room" }
        directTarget = member.id
        return nil
    }

    /// Asks the relay for the room's last `n` spurts (with `--record`, it keeps some); the reason
    /// when it cannot be asked.
    public func requestHistory(_ n: Int) -> Result<[Action], OperatorRefusal> {
        guard case .joined(let link) = phase else { return .failure(OperatorRefusal("not in the room yet")) }
        guard link == .relay else { return .failure(OperatorRefusal("a plain forwarder keeps no history; a ptt relay with --record does")) }
        return .success([.sendText(HistoryMessage.request(from: myID, n: n))])
    }

    /// Sends an operator's request; nil (nothing sent) with the reason when it cannot be: not
    /// joined, or through a plain forwarder, which has no operators.
    public func operatorRequest(_ action: OperatorAction, name: String, minutes: Int) -> Result<[Action], OperatorRefusal> {
        guard case .joined(let link) = phase else { return .failure(OperatorRefusal("not in the room yet")) }
        guard link == .relay else { return .failure(OperatorRefusal("operator actions need a ptt relay; this is a plain forwarder")) }
        guard isOperator else { return .failure(OperatorRefusal("you are not an operator of this room (join with an operator token)")) }
        // `history` names no member: its `name` is "on" or "off".
        let request = action == .history
            ? OperatorRequest(action: .history, target: .room, minutes: 0, on: name == "on")
            : OperatorRequest(action: action, target: .name(name), minutes: action == .kick ? minutes : OperatorRequest.defaultMinutes)
        return .success([.sendText(request.encoded(from: myID))])
    }

    func sendHello(re: Bool?) -> Action {
        .sendText(ControlMessage.hello(Hello(from: myID, name: config.name, agent: config.agent,
                                             listen: config.listen, re: re)).encoded())
    }

    mutating func dropConnectionState(now: UInt64) -> [Action] {
        if let openedAt { backoff.connectionEnded(uptime: elapsed(from: openedAt, to: now)) }
        openedAt = nil
        lastPing = nil
        roundTrip = nil
        let seen = roster.members.values.compactMap(\.name)
        if !seen.isEmpty { lastSeenNames = seen }
        var actions = Self.events(roster.clear())
        if transmitting {
            transmitting = false
            actions.append(.event(.transmitting(false)))
        }
        return actions
    }

    mutating func scheduleReconnect(rule: ReconnectRule, attempt: Int, now: UInt64, random: Double,
                                    disconnected: (UInt16, String)?) -> [Action] {
        guard let delay = backoff.nextDelay(rule, random: random) else { return [] }
        phase = .waiting(until: now + delay, attempt: attempt + 1)
        var actions: [Action] = []
        if let (code, reason) = disconnected { actions.append(.event(.disconnected(code: code, reason: reason))) }
        actions.append(.event(.reconnecting(after: delay, attempt: attempt + 1)))
        return actions
    }

    mutating func end(_ reason: EndReason) -> [Action] {
        if case .ended = phase { return [] }
        phase = .ended(reason)
        return [.event(.ended(reason))]
    }

    /// Static on purpose: as a method, `events(roster.frame(...))` copies the whole core (and
    /// then its roster, copy-on-write) before the argument mutates it, once per received frame.
    static func events(_ changes: [Roster.Change]) -> [Action] {
        changes.map { change in
            switch change {
            case .joined(let m): return .event(.memberJoined(m))
            case .left(let m): return .event(.memberLeft(m))
            case .renamed(let m): return .event(.memberRenamed(m))
            case .talkStarted(let m): return .event(.talkStarted(m))
            case .talkStopped(let m): return .event(.talkStopped(m))
            case .micChanged(let m): return .event(.micChanged(m))
            }
        }
    }

    /// An instant in whole milliseconds, as `ping` carries it.
    static func millis(_ nanos: UInt64) -> Int64 { Int64(nanos / .millisecond) }
}

/// Why an operator's request was not sent.
public struct OperatorRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
