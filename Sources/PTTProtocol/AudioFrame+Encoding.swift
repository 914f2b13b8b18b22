extension AudioFrame {
    /// Decodes one binary message. Reserved kinds decode (a relay forwards them);
    /// a receiver that plays audio keeps only `.opus`.
    public static func decode(_ bytes: some Collection<UInt8>) throws(FrameError) -> AudioFrame {
        let count = bytes.count
        guard count > headerSize else { throw .tooShort(length: count) }
        guard count <= maxMessageSize else { throw .tooLong(length: count) }
        var it = bytes.makeIterator()
        // Collection count was checked above, so each next() yields a byte.
        func next() -> UInt8 { it.next() ?? 0 }
        let kind = next()
        guard kind != 0 else { throw .invalidKind }
        var source: UInt32 = 0
        for _ in 0..<4 { source = source << 8 | UInt32(next()) }
        let seq = UInt16(next()) << 8 | UInt16(next())
        let flags = Flags(rawValue: next()).intersection(.defined)
        var payload: [UInt8] = []
        payload.reserveCapacity(count - headerSize)
        while let b = it.next() { payload.append(b) }
        return AudioFrame(kind: Kind(rawValue: kind), source: source, seq: seq, flags: flags, payload: payload)
    }

    /// Encodes the frame, checking the limits a receiver enforces.
    public func encoded() throws(FrameError) -> [UInt8] {
        guard kind.rawValue != 0 else { throw .invalidKind }
        guard source != 0 else { throw .zeroSource }
        guard !payload.isEmpty else { throw .tooShort(length: AudioFrame.headerSize) }
        guard payload.count <= AudioFrame.maxPayloadSize else { throw .tooLong(length: AudioFrame.headerSize + payload.count) }
        var out = [UInt8]()
        out.reserveCapacity(AudioFrame.headerSize + payload.count)
        AudioFrame.writeHeader(kind: kind, source: source, seq: seq, flags: flags, into: &out)
        out.append(contentsOf: payload)
        return out
    }

    /// Writes an 8-byte header. Undefined flag bits are cleared.
    public static func writeHeader(kind: Kind, source: UInt32, seq: UInt16, flags: Flags, into out: inout [UInt8]) {
        out.append(kind.rawValue)
        out.append(UInt8(truncatingIfNeeded: source >> 24))
        out.append(UInt8(truncatingIfNeeded: source >> 16))
        out.append(UInt8(truncatingIfNeeded: source >> 8))
        out.append(UInt8(truncatingIfNeeded: source))
        out.append(UInt8(truncatingIfNeeded: seq >> 8))
        out.append(UInt8(truncatingIfNeeded: seq))
        out.append(flags.intersection(.defined).rawValue)
    }

    /// Overwrites the source id of an encoded message in place (a relay's stamping):
    /// no decode, no copy of the payload.
    public static func stampSource(_ source: UInt32, in message: inout [UInt8]) {
        guard message.count >= headerSize else { return }
        message[1] = UInt8(truncatingIfNeeded: source >> 24)
        message[2] = UInt8(truncatingIfNeeded: source >> 16)
        message[3] = UInt8(truncatingIfNeeded: source >> 8)
        message[4] = UInt8(truncatingIfNeeded: source)
    }
}

extension AudioFrame {
    /// Overwrites the source id of an encoded message held in any mutable byte storage
    /// (a relay's network buffer), in place.
    public static func stampSource<C: MutableCollection<UInt8>>(_ source: UInt32, in message: inout C) where C.Index == Int {
        guard message.count >= headerSize else { return }
        let s = message.startIndex
        message[s + 1] = UInt8(truncatingIfNeeded: source >> 24)
        message[s + 2] = UInt8(truncatingIfNeeded: source >> 16)
        message[s + 3] = UInt8(truncatingIfNeeded: source >> 8)
        message[s + 4] = UInt8(truncatingIfNeeded: source)
    }
}

extension UInt16 {
    /// Whether `self` comes after `other` in a wrapping 16-bit sequence (RFC 1982 style):
    /// the forward distance from `other` is 1...32767.
    public func isAfter(_ other: UInt16) -> Bool {
        let d = self &- other
        return d != 0 && d < 0x8000
    }

    /// Signed distance from `other` to `self` on the wrapping sequence, in -32768...32767.
    public func distance(from other: UInt16) -> Int {
        Int(Int16(bitPattern: self &- other))
    }
}
