/// One binary message of the wire protocol (PROTOCOL.md §2): an 8-byte header and a payload.
public struct AudioFrame: Equatable, Sendable {
    /// What the payload holds.
    public struct Kind: RawRepresentable, Equatable, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// One Opus packet, 48 kHz mono.
        public static let opus = Kind(rawValue: 0x01)
        /// Reserved for end-to-end encrypted audio.
        public static let sealed = Kind(rawValue: 0x02)
    }

    /// Talk-spurt boundaries carried in the header's flags byte.
    public struct Flags: OptionSet, Equatable, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// First frame of a talk spurt.
        public static let start = Flags(rawValue: 0x01)
        /// Last frame of a talk spurt.
        public static let end = Flags(rawValue: 0x02)
        /// The bits version 1 defines; the others are sent as 0 and ignored.
        public static let defined: Flags = [.start, .end]
    }

    public static let headerSize = 8
    /// Largest binary message, header included.
    public static let maxMessageSize = 1500
    /// Largest payload that fits one message.
    public static let maxPayloadSize = maxMessageSize - headerSize

    public var kind: Kind
    /// The speaker's id: never 0.
    public var source: UInt32
    /// The speaker's frame counter, wrapping at 65535.
    public var seq: UInt16
    public var flags: Flags
    /// One Opus packet for kind `.opus`; at least one byte.
    public var payload: [UInt8]

    public init(kind: Kind = .opus, source: UInt32, seq: UInt16, flags: Flags = [], payload: [UInt8]) {
        self.kind = kind
        self.source = source
        self.seq = seq
        self.flags = flags
        self.payload = payload
    }

    public var isStart: Bool { flags.contains(.start) }
    public var isEnd: Bool { flags.contains(.end) }
}

/// Why a binary message is malformed, and which close code a ptt relay answers with.
public enum FrameError: Error, Equatable, Sendable {
    /// Fewer than 9 bytes: no room for a header and a payload byte.
    case tooShort(length: Int)
    /// More than 1500 bytes.
    case tooLong(length: Int)
    /// Kind 0 is invalid by definition.
    case invalidKind
    /// A source id of 0 (only when encoding: relays stamp the source of what they receive).
    case zeroSource

    /// The close code PROTOCOL.md §2 prescribes for a sender of such a message.
    public var closeCode: CloseCode {
        switch self {
        case .tooLong: return .tooBig
        case .tooShort, .invalidKind, .zeroSource: return .policyViolation
        }
    }
}
