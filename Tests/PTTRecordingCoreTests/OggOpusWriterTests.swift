import Testing
@testable import PTTRecordingCore

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
        // The last page carries audio and the end-of-stream flag.
        #expect(!(pages.last?.packets.isEmpty ?? true))
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

    /// WAVE_FORMAT_EXTENSIBLE (as ffmpeg writes float audio of more than two channels): the
    /// subformat GUID's first two bytes say what the samples are.
    @Test(arguments: [(UInt16(3), true), (UInt16(1), false)])
    func extensibleHeadersSayTheirSubformat(subformat: UInt16, isFloat: Bool) throws {
        func header(subformat: UInt16) -> [UInt8] {
            var h: [UInt8] = Array("RIFF".utf8)
            h.appendLittleEndian(UInt32(60 + 8))
            h += Array("WAVEfmt ".utf8)
            h.appendLittleEndian(UInt32(40))
            h.appendLittleEndian(UInt16(0xFFFE))
            h.appendLittleEndian(UInt16(6))                 // channels
            h.appendLittleEndian(UInt32(48000))
            h.appendLittleEndian(UInt32(48000 * 6 * 4))
            h.appendLittleEndian(UInt16(6 * 4))
            h.appendLittleEndian(UInt16(32))                // bits per sample
            h.appendLittleEndian(UInt16(22))                // extension size
            h.appendLittleEndian(UInt16(32))                // valid bits
            h.appendLittleEndian(UInt32(0x3F))              // channel mask (5.1)
            h.appendLittleEndian(subformat)
            h += [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]
            h += Array("data".utf8)
            h.appendLittleEndian(UInt32(8))
            return h + [UInt8](repeating: 0, count: 8)
        }
        let f = try #require(WAVHeader.parseFormat(header(subformat: subformat)))
        #expect(f.isFloat == isFloat && f.channels == 6 && f.bitsPerSample == 32 && f.dataOffset == 68)
        // The integer-only parse refuses float; another subformat (ADPCM) is nothing ptt reads.
        #expect((WAVHeader.parse(header(subformat: subformat)) == nil) == isFloat)
        #expect(WAVHeader.parseFormat(header(subformat: 2)) == nil)
    }
}
