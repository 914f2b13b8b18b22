/// Ogg pages (RFC 3533): the container ptt records Opus packets in, without re-encoding.
public struct OggPage: Equatable, Sendable {
    public struct HeaderType: OptionSet, Equatable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The page continues a packet from the previous page.
        public static let continued = HeaderType(rawValue: 0x01)
        /// First page of the stream.
        public static let beginOfStream = HeaderType(rawValue: 0x02)
        /// Last page of the stream.
        public static let endOfStream = HeaderType(rawValue: 0x04)
    }

    public var headerType: HeaderType
    /// Sample position after the last packet that ends on this page; -1 when none ends here.
    public var granulePosition: Int64
    public var serial: UInt32
    public var sequence: UInt32
    /// Whole packets only: ptt never splits packets across pages (each is < 255 × 255 bytes).
    public var packets: [[UInt8]]

    /// Most packets one page can hold (one lacing value each, at least).
    public static let maxSegments = 255

    public init(headerType: HeaderType = [], granulePosition: Int64, serial: UInt32, sequence: UInt32, packets: [[UInt8]]) {
        self.headerType = headerType
        self.granulePosition = granulePosition
        self.serial = serial
        self.sequence = sequence
        self.packets = packets
    }

    /// Lacing values for the packets: 255s then the remainder, per packet.
    static func lacing(_ packets: [[UInt8]]) -> [UInt8] {
        var table: [UInt8] = []
        for p in packets {
            table.append(contentsOf: repeatElement(255, count: p.count / 255))
            table.append(UInt8(p.count % 255))
        }
        return table
    }

    /// Whether these packets fit on one page.
    public static func fits(_ packets: [[UInt8]]) -> Bool {
        packets.reduce(0) { $0 + $1.count / 255 + 1 } <= maxSegments
    }

    /// The page's bytes, CRC included.
    public func encoded() -> [UInt8] {
        let table = Self.lacing(packets)
        var out: [UInt8] = Array("OggS".utf8)
        out.append(0) // version
        out.append(headerType.rawValue)
        out.appendLittleEndian(UInt64(bitPattern: granulePosition))
        out.appendLittleEndian(serial)
        out.appendLittleEndian(sequence)
        out.appendLittleEndian(UInt32(0)) // CRC, filled below
        out.append(UInt8(table.count))
        out.append(contentsOf: table)
        for p in packets { out.append(contentsOf: p) }
        let crc = OggCRC.checksum(out)
        out[22] = UInt8(truncatingIfNeeded: crc)
        out[23] = UInt8(truncatingIfNeeded: crc >> 8)
        out[24] = UInt8(truncatingIfNeeded: crc >> 16)
        out[25] = UInt8(truncatingIfNeeded: crc >> 24)
        return out
    }

    public enum ParseError: Error, Equatable, Sendable {
        case truncated
        case badCapture
        case badVersion
        case badChecksum
        /// A packet continues onto another page: ptt never writes that.
        case splitPacket
    }

    /// Parses all pages of a stream; each must be complete and checksum-valid.
    public static func parseAll(_ bytes: [UInt8]) throws(ParseError) -> [OggPage] {
        var pages: [OggPage] = []
        var at = 0
        while at < bytes.count {
            let (page, length) = try parse(bytes, at: at)
            pages.append(page)
            at += length
        }
        return pages
    }

    static func parse(_ b: [UInt8], at start: Int) throws(ParseError) -> (OggPage, Int) {
        let raw = try rawPage(b, at: start)
        var packets: [[UInt8]] = []
        var current: [UInt8] = []
        splitPackets(b, table: raw.table, bodyStart: raw.bodyStart, into: &packets, carrying: &current)
        guard current.isEmpty else { throw .splitPacket }
        var sequence: UInt32 = 0
        for i in 0..<4 { sequence |= UInt32(b[start + 18 + i]) << (8 * UInt32(i)) }
        let page = OggPage(headerType: HeaderType(rawValue: b[start + 5]), granulePosition: raw.granule,
                           serial: raw.serial, sequence: sequence, packets: packets)
        return (page, raw.length)
    }
}

/// The Ogg CRC-32: polynomial 0x04C11DB7, initial value 0, not reflected, no final xor.
public enum OggCRC {
    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var r = UInt32(i) << 24
        for _ in 0..<8 { r = r & 0x8000_0000 != 0 ? (r << 1) ^ 0x04C1_1DB7 : r << 1 }
        return r
    }

    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0
        for b in bytes { crc = (crc << 8) ^ table[Int(((crc >> 24) ^ UInt32(b)) & 0xFF)] }
        return crc
    }
}

extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        for i in 0..<(T.bitWidth / 8) { append(UInt8(truncatingIfNeeded: value >> (8 * i))) }
    }
}
