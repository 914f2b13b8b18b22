import PTTProtocol

/// Everything the terminal UI shows, as plain values. The client builds it and pushes it; the
/// screen only renders it (``ScreenLayout``). Nothing here is read back from widgets.
///
/// ``editor`` and ``holdMethod`` are input-side state: the terminal overwrites them with its own
/// ``InputMapper``'s editor and hold method before drawing, so the client may leave them alone.
public struct ScreenModel: Equatable, Sendable {
    /// The state of the connection to the relay.
    public enum Connection: Equatable, Sendable {
        case connecting
        case connected
        /// Waiting before reconnect attempt `attempt`, which starts in `inSeconds`.
        case reconnecting(inSeconds: Int, attempt: Int)
        /// Gone for good, with the reason for people.
        case disconnected(String)
    }

    /// One member of the room.
    public struct Member: Equatable, Sendable {
        public var id: UInt32
        public var name: String
        public var isSelf: Bool
        public var talking: Bool
        /// Audio level 0...1, drawn as a bar while talking.
        public var level: Double
        /// A listener never talks (`hello.listen`).
        public var listener: Bool
        /// Receive jitter and loss, shown when ``ScreenModel/statsVisible``.
        public var jitterMilliseconds: Int?
        public var lossPercent: Double?
        /// Its microphone is muted (it said so; for ourselves, ours is).
        public var micMuted: Bool
        /// How loud we play it, percent (100: as it comes), and whether we silenced it.
        public var volumePercent: Int
        public var silenced: Bool
        /// An operator of the room.
        public var op = false
        /// Muted by an operator: the relay drops its audio.
        public var mutedByOperator = false
        /// Its spurt under way is for us alone (direct talk): drawn as "→ you".
        public var directToMe = false

        public init(
            id: UInt32, name: String, isSelf: Bool = false, talking: Bool = false, level: Double = 0,
            listener: Bool = false, jitterMilliseconds: Int? = nil, lossPercent: Double? = nil,
            micMuted: Bool = false, volumePercent: Int = 100, silenced: Bool = false
        ) {
            self.micMuted = micMuted
            self.volumePercent = volumePercent
            self.silenced = silenced
            self.id = id
            self.name = name
            self.isSelf = isSelf
            self.talking = talking
            self.level = level
            self.listener = listener
            self.jitterMilliseconds = jitterMilliseconds
            self.lossPercent = lossPercent
        }
    }

    /// One line of the chat log.
    public struct ChatLine: Equatable, Sendable {
        /// Already formatted by the client, e.g. `14:05` (the core has no calendar).
        public var time: String
        /// Who said it; empty for a notice from ptt itself (joins, leaves, errors).
        public var sender: String
        public var text: String
        /// A scribe's caption of what `sender` said, not a chat message: drawn in its own style.
        public var caption: Bool

        public init(time: String, sender: String, text: String, caption: Bool = false) {
            self.time = time
            self.sender = sender
            self.text = text
            self.caption = caption
        }
    }

    /// What happened to the user's own talking.
    public enum TalkState: Equatable, Sendable {
        case idle
        /// The gate is open and audio is going out.
        case talking
        /// The relay refused or ended the talking (`deny`), with its reason.
        case denied(String)
        /// Someone else holds the floor.
        case busy(holder: String?)
        /// Joined as a listener (or without a microphone): cannot talk.
        case listenOnly
    }

    public var room: String
    public var relayURL: String
    public var connection: Connection
    /// Last ping round trip.
    public var roundTripMilliseconds: Int?
    public var members: [Member]
    /// Own microphone level in dBFS; nil when there is no microphone.
    public var micLevelDBFS: Double?
    /// Oldest first; the screen shows the newest that fit.
    public var chat: [ChatLine]
    public var talkMode: TalkMode
    public var talkState: TalkState
    /// Speakers muted (`d`, deafen).
    public var muted: Bool
    /// Our microphone muted (`m`): nothing is sent in any mode.
    public var micMuted: Bool
    /// The member whose volume `+`/`-` change (arrows or Tab pick one); nil: the master volume.
    public var selectedID: UInt32?
    public var volumePercent: Int
    /// A short condition for the status line, e.g. "no microphone: listening only".
    public var notice: String?
    public var helpVisible: Bool
    public var statsVisible: Bool
    /// How the talk key's release is known (filled in by the terminal).
    public var holdMethod: HoldDetector.Method
    /// The chat line being typed, nil when chat is closed (filled in by the terminal).
    public var editor: LineEditor?

    public init(
        room: String = "", relayURL: String = "", connection: Connection = .connecting,
        roundTripMilliseconds: Int? = nil, members: [Member] = [], micLevelDBFS: Double? = nil,
        chat: [ChatLine] = [], talkMode: TalkMode = .hold, talkState: TalkState = .idle,
        muted: Bool = false, micMuted: Bool = false, selectedID: UInt32? = nil, volumePercent: Int = 100, notice: String? = nil,
        helpVisible: Bool = false, statsVisible: Bool = false,
        holdMethod: HoldDetector.Method = .autorepeat, editor: LineEditor? = nil
    ) {
        self.room = room
        self.relayURL = relayURL
        self.connection = connection
        self.roundTripMilliseconds = roundTripMilliseconds
        self.members = members
        self.micLevelDBFS = micLevelDBFS
        self.chat = chat
        self.talkMode = talkMode
        self.talkState = talkState
        self.muted = muted
        self.micMuted = micMuted
        self.selectedID = selectedID
        self.volumePercent = volumePercent
        self.notice = notice
        self.helpVisible = helpVisible
        self.statsVisible = statsVisible
        self.holdMethod = holdMethod
        self.editor = editor
    }
}
