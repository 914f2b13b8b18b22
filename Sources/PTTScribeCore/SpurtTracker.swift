import PTTProtocol

/// Where each member's spurts begin and end, as a scribe hears the room.
///
/// A spurt starts with a member's first frame (or a frame flagged `start`) and ends with a frame
/// flagged `end`, the member's `talk` off, their leaving, or `idleEnd` without a frame (a sender
/// that vanished mid-spurt, or a plain forwarder's client that flags nothing). A spurt longer than
/// `longestPiece` is cut there, so a long talk is captioned piece by piece rather than once at its
/// end. Duplicate and late frames are ignored; a gap in sequence numbers is reported as lost frames
/// (at most `concealable`), for the decoder to conceal.
public struct SpurtTracker: Sendable {
    public struct Limits: Sendable {
        /// Most members heard at once; frames of more are ignored (and counted).
        public var maxSpeakers = 64
        /// Silence that ends a spurt.
        public var idleEnd: UInt64 = 600_000_000
        /// The longest stretch recognized as one piece.
        public var longestPiece: UInt64 = 30_000_000_000
        /// Most lost frames concealed before a frame; a longer gap is concealed this much.
        public var concealable = 5
        /// How long after a member's `talk` off its last frames may still come: a client hears
        /// the roster change a frame's END flag makes before that frame itself.
        public var talkOffGrace: UInt64 = 200_000_000
        public init() {}
    }

    public enum Event: Equatable, Sendable {
        case started(id: UInt32, spurt: Int, at: UInt64)
        /// One frame's payload; `lost` frames went missing just before it.
        case audio(id: UInt32, spurt: Int, payload: [UInt8], lost: Int)
        case ended(id: UInt32, spurt: Int, at: UInt64)
    }

    struct Open: Sendable {
        var spurt: Int
        var startedAt: UInt64
        var lastAt: UInt64
        var lastSeq: UInt16
        /// `talk` off came: the spurt ends at this time unless its END frame comes first.
        var endBy: UInt64?
    }

    public let limits: Limits
    var open: [UInt32: Open] = [:]
    var nextSpurt = 1
    /// Frames ignored because `maxSpeakers` were already speaking.
    public private(set) var ignoredFrames = 0

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// How many members are in a spurt now.
    public var speaking: Int { open.count }

    /// The earliest time `tick` has something to do.
    public var nextDeadline: UInt64? {
        open.values.map { min($0.lastAt &+ limits.idleEnd, $0.startedAt &+ limits.longestPiece, $0.endBy ?? .max) }.min()
    }

    /// A member's frame, in arrival order.
    public mutating func frame(source: UInt32, seq: UInt16, flags: AudioFrame.Flags, payload: [UInt8], now: UInt64) -> [Event] {
        var events: [Event] = []
        var lost = 0
        if var o = open[source] {
            let step = seq &- o.lastSeq
            // A repeat or a frame older than the last one played: nothing new.
            if step == 0 || step >= 0x8000 { return [] }
            if flags.contains(.start) {
                events.append(.ended(id: source, spurt: o.spurt, at: o.lastAt))
                open[source] = nil
            } else {
                lost = min(Int(step) - 1, limits.concealable)
                o.lastSeq = seq
                o.lastAt = now
                open[source] = o
            }
        }
        if open[source] == nil {
            guard open.count < limits.maxSpeakers else {
                ignoredFrames += 1
                return events
            }
            open[source] = Open(spurt: nextSpurt, startedAt: now, lastAt: now, lastSeq: seq)
            events.append(.started(id: source, spurt: nextSpurt, at: now))
            nextSpurt += 1
        }
        guard let o = open[source] else { return events }
        events.append(.audio(id: source, spurt: o.spurt, payload: payload, lost: lost))
        if flags.contains(.end) || now &- o.startedAt >= limits.longestPiece {
            events.append(.ended(id: source, spurt: o.spurt, at: now))
            open[source] = nil
        }
        return events
    }

    /// The member stopped talking (`talk` off): the spurt ends with its END frame, or
    /// `talkOffGrace` from now if none comes.
    public mutating func talkOff(id: UInt32, now: UInt64) {
        guard var o = open[id], o.endBy == nil else { return }
        o.endBy = now &+ limits.talkOffGrace
        open[id] = o
    }

    /// The member left the room: no more of its frames come.
    public mutating func left(id: UInt32) -> [Event] {
        guard let o = open.removeValue(forKey: id) else { return [] }
        return [.ended(id: id, spurt: o.spurt, at: o.lastAt)]
    }

    /// Ends the spurts silent for `idleEnd` and cuts those longer than `longestPiece`.
    public mutating func tick(now: UInt64) -> [Event] {
        var events: [Event] = []
        for (id, o) in open.sorted(by: { $0.value.spurt < $1.value.spurt }) {
            if now &- o.lastAt >= limits.idleEnd || (o.endBy.map { now >= $0 } ?? false) {
                events.append(.ended(id: id, spurt: o.spurt, at: o.lastAt))
                open[id] = nil
            } else if now &- o.startedAt >= limits.longestPiece {
                events.append(.ended(id: id, spurt: o.spurt, at: now))
                // The talk goes on: its next frame starts the next piece.
                open[id] = nil
            }
        }
        return events
    }

    /// Ends every spurt (the scribe is leaving).
    public mutating func endAll(now: UInt64) -> [Event] {
        let events = open.sorted { $0.value.spurt < $1.value.spurt }.map { Event.ended(id: $0.key, spurt: $0.value.spurt, at: $0.value.lastAt) }
        open.removeAll()
        return events
    }
}
