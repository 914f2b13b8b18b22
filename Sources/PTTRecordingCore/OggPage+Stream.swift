extension OggPage {
    /// The packets of a whole Ogg stream in order, joining packets continued across pages
    /// (other writers split large packets, e.g. OpusTags with pictures), with the last
    /// page's granule position. Pages of other logical streams are skipped.
    public static func packets(ofStream bytes: [UInt8]) throws(ParseError) -> (packets: [[UInt8]], lastGranule: Int64) {
        var at = 0
        var packets: [[UInt8]] = []
        var current: [UInt8] = []
        var serial: UInt32?
        var lastGranule: Int64 = 0
        while at < bytes.count {
            let segments = try rawPage(bytes, at: at)
            at += segments.length
            if serial == nil { serial = segments.serial }
            guard segments.serial == serial else { continue }
            if segments.granule >= 0 { lastGranule = segments.granule }
            splitPackets(bytes, table: segments.table, bodyStart: segments.bodyStart, into: &packets, carrying: &current)
        }
        return (packets, lastGranule)
    }

    /// Cuts a page body into packets by its lacing values; `current` carries a packet that
    /// continues past the page (a last lacing value of 255).
    static func splitPackets(_ b: [UInt8], table: ArraySlice<UInt8>, bodyStart: Int, into packets: inout [[UInt8]], carrying current: inout [UInt8]) {
        var offset = bodyStart
        for lace in table {
            current.append(contentsOf: b[offset..<offset + Int(lace)])
            offset += Int(lace)
            if lace < 255 {
                packets.append(current)
                current = []
            }
        }
    }

    /// One page's framing, checked, without splitting its body into packets.
    static func rawPage(_ b: [UInt8], at start: Int) throws(ParseError) -> (length: Int, serial: UInt32, granule: Int64, table: ArraySlice<UInt8>, bodyStart: Int) {
        guard b.count - start >= 27 else { throw .truncated }
        guard b[start..<start + 4].elementsEqual("OggS".utf8) else { throw .badCapture }
        guard b[start + 4] == 0 else { throw .badVersion }
        let segments = Int(b[start + 26])
        guard b.count - start >= 27 + segments else { throw .truncated }
        let table = b[(start + 27)..<(start + 27 + segments)]
        let length = 27 + segments + table.reduce(0) { $0 + Int($1) }
        guard b.count - start >= length else { throw .truncated }
        var copy = Array(b[start..<start + length])
        let stored = UInt32(copy[22]) | UInt32(copy[23]) << 8 | UInt32(copy[24]) << 16 | UInt32(copy[25]) << 24
        copy[22] = 0; copy[23] = 0; copy[24] = 0; copy[25] = 0
        guard OggCRC.checksum(copy) == stored else { throw .badChecksum }
        var granule: UInt64 = 0
        for i in 0..<8 { granule |= UInt64(b[start + 6 + i]) << (8 * UInt64(i)) }
        var serial: UInt32 = 0
        for i in 0..<4 { serial |= UInt32(b[start + 14 + i]) << (8 * UInt32(i)) }
        return (length, serial, Int64(bitPattern: granule), table, start + 27 + segments)
    }
}
