import PTTProtocol

/// Turns Opus packets into an Ogg Opus stream (RFC 7845) as they arrive, without decoding.
///
/// Pure: it returns bytes to append to a file. A page goes out as soon as `packetsPerPage`
/// packets and one more have arrived, so a file cut off by a crash loses at most that many
/// packets and stays playable; `finish()` writes the last page with the end-of-stream flag.
public struct OggOpusWriter: Sendable {
    public let serial: UInt32
    /// Samples at 48 kHz a decoder discards at the start (the encoder's lookahead).
    public let preSkip: UInt16
    public let packetsPerPage: Int

    var sequence: UInt32 = 0
    var granule: Int64 = 0
    var pending: [(packet: [UInt8], samples: Int64)] = []
    var started = false
    public private(set) var packetCount = 0
    public private(set) var finished = false

    /// `preSkip` 312 is libopus' VOIP-mode lookahead (6.5 ms); 120 for restricted low delay.
    public init(serial: UInt32, preSkip: UInt16 = 312, packetsPerPage: Int = 10) {
        self.serial = serial
        self.preSkip = preSkip
        self.packetsPerPage = max(1, min(packetsPerPage, 100))
    }

    /// Samples added so far, at 48 kHz, pre-skip included.
    public var samples: Int64 { granule + pending.reduce(0) { $0 + $1.samples } }

    /// The two header pages: OpusHead (beginning of stream) and OpusTags.
    public mutating func header(vendor: String = "ptt \(PTTVersion.string)", comments: [String] = []) -> [UInt8] {
        guard !started else { return [] }
        started = true
        var head: [UInt8] = Array("OpusHead".utf8)
        head.append(1) // version
        head.append(1) // channels
        head.appendLittleEndian(preSkip)
        head.appendLittleEndian(UInt32(48000)) // input sample rate, informational
        head.appendLittleEndian(Int16(0)) // output gain
        head.append(0) // channel mapping family 0: mono/stereo
        var tags: [UInt8] = Array("OpusTags".utf8)
        let vendorBytes = Array(vendor.utf8.prefix(255))
        tags.appendLittleEndian(UInt32(vendorBytes.count))
        tags.append(contentsOf: vendorBytes)
        let kept = comments.map { Array($0.utf8.prefix(1000)) }.prefix(32)
        tags.appendLittleEndian(UInt32(kept.count))
        for c in kept {
            tags.appendLittleEndian(UInt32(c.count))
            tags.append(contentsOf: c)
        }
        return page(.beginOfStream, granule: 0, packets: [head]) + page([], granule: 0, packets: [tags])
    }

    /// Adds one packet; returns a page when one filled up. Packets whose TOC cannot be read
    /// are refused (nil) so the granule positions stay right. The newest packet is always
    /// held back, so that the last page, flagged end of stream, carries audio.
    public mutating func append(_ packet: [UInt8]) -> [UInt8]? {
        guard started, !finished, !packet.isEmpty, packet.count < 255 * 64,
              let duration = OpusPacket.samples(packet) else { return nil }
        var out: [UInt8] = []
        if pending.count >= packetsPerPage || !OggPage.fits(pending.map(\.packet) + [packet]) { out += flush() }
        pending.append((packet, Int64(duration)))
        packetCount += 1
        return out
    }

    /// Writes out the packets held so far as a page (nothing if none).
    public mutating func flush() -> [UInt8] {
        guard !pending.isEmpty else { return [] }
        granule += pending.reduce(0) { $0 + $1.samples }
        defer { pending = [] }
        return page([], granule: granule, packets: pending.map(\.packet))
    }

    /// The final page, flagged end of stream. A stream with no audio gets an empty last page.
    public mutating func finish() -> [UInt8] {
        guard started, !finished else { return [] }
        finished = true
        granule += pending.reduce(0) { $0 + $1.samples }
        let last = pending.map(\.packet)
        pending = []
        return page(.endOfStream, granule: last.isEmpty ? -1 : granule, packets: last)
    }

    mutating func page(_ type: OggPage.HeaderType, granule: Int64, packets: [[UInt8]]) -> [UInt8] {
        defer { sequence += 1 }
        return OggPage(headerType: type, granulePosition: granule, serial: serial, sequence: sequence, packets: packets).encoded()
    }
}
