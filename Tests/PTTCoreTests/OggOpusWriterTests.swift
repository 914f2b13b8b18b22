import Testing
@testable import PTTCore

@Suite struct OggOpusWriterTests {
    @Test func crcMatchesTheOggCheckValue() {
        // CRC-32 with polynomial 04C11DB7, init 0, no reflection, no final xor, over "123456789".
        #expect(OggCRC.checksum(Array("123456789".utf8)) == 0x89A1_897F)
    }

    @Test func headerPagesFollowRFC7845() throws {
        var w = OggOpusWriter(serial: 0xABCD, preSkip: 312)
        let pages = try OggPage.parseAll(w.header(comments: ["ROOM=standup"]))
        #expect(pages.count == 2)
        #expect(pages[0].headerType == .beginOfStream && pages[0].sequence == 0 && pages[0].serial == 0xABCD)
        let head = pages[0].packets[0]
        #expect(Array(head.prefix(8)) == Array("OpusHead".utf8))
        #expect(head.count == 19 && head[8] == 1 && head[9] == 1)
        #expect(UInt16(head[10]) | UInt16(head[11]) << 8 == 312)
        #expect(Array(pages[1].packets[0].prefix(8)) == Array("OpusTags".utf8))
        #expect(String(decoding: pages[1].packets[0], as: UTF8.self).contains("ROOM=standup"))
        #expect(w.header().isEmpty)
    }

    @Test func granulePositionsCountSamples() throws {
        var w = OggOpusWriter(serial: 1, packetsPerPage: 3)
        var bytes = w.header()
        // 0xF8: CELT 20 ms, one frame (960 samples); 0x79: hybrid 2 × 20 ms.
        for _ in 0..<7 { bytes += w.append([0xF8, 0x01, 0x02]) ?? [] }
        bytes += w.append([0x79, 0x00]) ?? []
        #expect(w.append([]) == nil)
        #expect(w.append([0x03]) == nil)
        bytes += w.finish()
        let pages = try OggPage.parseAll(bytes)
        #expect(pages.map(\.granulePosition) == [0, 0, 2880, 5760, 8640])
        #expect(pages.map(\.packets.count) == [1, 1, 3, 3, 2])
        #expect(pages.last?.headerType == .endOfStream)
        #expect(pages.map(\.sequence) == [0, 1, 2, 3, 4])
        #expect(w.packetCount == 8)
        #expect(w.append([0xF8]) == nil)
    }

    @Test func largePacketsUseLacingAndSplitPages() throws {
        var w = OggOpusWriter(serial: 1, packetsPerPage: 100)
        var bytes = w.header()
        let big = [0xF8] + [UInt8](repeating: 7, count: 1000) // 4 × 255 lacing + remainder
        for _ in 0..<60 { bytes += w.append(big) ?? [] }
        bytes += w.finish()
        let pages = try OggPage.parseAll(bytes)
        #expect(pages.dropFirst(2).allSatisfy { OggPage.fits($0.packets) })
        #expect(pages.dropFirst(2).flatMap(\.packets).count == 60)
        #expect(pages.dropFirst(2).flatMap(\.packets).allSatisfy { $0 == big })
    }

    @Test func corruptionIsDetected() throws {
        var w = OggOpusWriter(serial: 1)
        var bytes = w.header()
        bytes[40] ^= 0xFF
        #expect(throws: OggPage.ParseError.badChecksum) { try OggPage.parseAll(bytes) }
        #expect(throws: OggPage.ParseError.truncated) { try OggPage.parseAll(Array(w.finish().prefix(20))) }
    }

    @Test func wavHeaderRoundTrips() throws {
        let h = WAVHeader.bytes(sampleRate: 48000, channels: 1, dataBytes: 9600)
        #expect(h.count == 44)
        let f = try #require(WAVHeader.parse(h))
        #expect(f.sampleRate == 48000 && f.channels == 1 && f.bitsPerSample == 16 && f.dataOffset == 44)
        #expect(WAVHeader.parse(Array("RIFX".utf8)) == nil)
    }
}
