/// The 44-byte header of a PCM WAV file (RIFF, 16-bit little-endian samples).
public enum WAVHeader {
    public static let size = 44

    /// A header for `dataBytes` bytes of S16LE audio. Write it first with 0 and again with the
    /// real size when done; players also accept the 0-size header of an interrupted file.
    public static func bytes(sampleRate: Int = 48000, channels: Int = 1, dataBytes: Int) -> [UInt8] {
        let data = UInt32(clamping: max(0, dataBytes))
        var h: [UInt8] = Array("RIFF".utf8)
        h.appendLittleEndian(data &+ 36)
        h += Array("WAVEfmt ".utf8)
        h.appendLittleEndian(UInt32(16))
        h.appendLittleEndian(UInt16(1)) // PCM
        h.appendLittleEndian(UInt16(channels))
        h.appendLittleEndian(UInt32(sampleRate))
        h.appendLittleEndian(UInt32(sampleRate * channels * 2))
        h.appendLittleEndian(UInt16(channels * 2))
        h.appendLittleEndian(UInt16(16))
        h += Array("data".utf8)
        h.appendLittleEndian(data)
        return h
    }

    /// The format of a canonical 44-byte PCM header, or nil if it is not one.
    public static func parse(_ b: [UInt8]) -> (sampleRate: Int, channels: Int, bitsPerSample: Int, dataOffset: Int)? {
        guard let f = parseFormat(b), !f.isFloat else { return nil }
        return (f.sampleRate, f.channels, f.bitsPerSample, f.dataOffset)
    }

    /// The format of a WAV file's header, integer PCM or IEEE float (format 3, or an extensible
    /// header with that subformat); nil for anything else.
    public static func parseFormat(_ b: [UInt8]) -> (sampleRate: Int, channels: Int, bitsPerSample: Int, isFloat: Bool, dataOffset: Int)? {
        guard b.count >= 12, b[0..<4].elementsEqual("RIFF".utf8), b[8..<12].elementsEqual("WAVE".utf8) else { return nil }
        func u16(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
        func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
        var at = 12
        var format: (Int, Int, Int, Bool)?
        while at + 8 <= b.count {
            let id = b[at..<at + 4]
            let length = u32(at + 4)
            if id.elementsEqual("fmt ".utf8), at + 8 + 16 <= b.count {
                var tag = u16(at + 8)
                // WAVE_FORMAT_EXTENSIBLE: the real format is the subformat GUID's first two bytes.
                if tag == 0xFFFE, length >= 40, at + 8 + 26 <= b.count { tag = u16(at + 8 + 24) }
                guard tag == 1 || tag == 3 || tag == 0xFFFE else { return nil }
                format = (u32(at + 12), u16(at + 10), u16(at + 22), tag == 3)
            } else if id.elementsEqual("data".utf8), let (rate, ch, bits, isFloat) = format {
                return (rate, ch, bits, isFloat, at + 8)
            }
            at += 8 + length + (length & 1)
        }
        return nil
    }
}
