import PTTProtocol

/// A room's last spurts as recorded (Opus packets as they arrived), for members who ask
/// (`history`). Bounded: 10 spurts, 1500 packets (30 s of 20 ms frames) each, and the bytes a
/// `history` answer may take in a member's control queue; the oldest go first. Direct spurts
/// are never kept. Pure: time is passed in.
///
/// A client's `SpurtHistory` (PTTAudioCore) keeps spurts too, but to replay them through its
/// decoder, with its own silence rule; the relay may not link audio code, and what it keeps is
/// bounded for an answer's size instead, so the two stay apart.
public struct RecentSpurts: Sendable {
    public struct Spurt: Equatable, Sendable {
        public var id: UInt32
        public var name: String
        public var started: UInt64
        public var packets: [[UInt8]]
        public var bytes: Int
        public var open: Bool
    }

    public static let capacity = HistoryMessage.maxSpurts
    public static let maxPackets = 1500
    /// Packet bytes kept in all: the answer (base64, a third more) stays well under a member's
    /// 256 KiB of queued control messages.
    public static let maxBytes = 96 << 10

    public private(set) var spurts: [Spurt] = []
    var bytes = 0

    public init() {}

    public mutating func start(id: UInt32, name: String, at now: UInt64) {
        end(id: id)
        spurts.append(Spurt(id: id, name: name, started: now, packets: [], bytes: 0, open: true))
        trim()
    }

    public mutating func add(id: UInt32, payload: [UInt8]) {
        guard let i = spurts.lastIndex(where: { $0.id == id && $0.open }), spurts[i].packets.count < Self.maxPackets,
              spurts[i].bytes + payload.count <= Self.maxBytes else { return }
        spurts[i].packets.append(payload)
        spurts[i].bytes += payload.count
        bytes += payload.count
        trim()
    }

    public mutating func end(id: UInt32) {
        for i in spurts.indices where spurts[i].id == id && spurts[i].open { spurts[i].open = false }
        spurts.removeAll { !$0.open && $0.packets.isEmpty }
    }

    /// The last `n` ended spurts, oldest first.
    public func last(_ n: Int) -> [Spurt] {
        Array(spurts.filter { !$0.open }.suffix(max(0, n)))
    }

    private mutating func trim() {
        while spurts.count > Self.capacity || (bytes > Self.maxBytes && spurts.count > 1) {
            bytes -= spurts[0].bytes
            spurts.removeFirst()
        }
    }
}
