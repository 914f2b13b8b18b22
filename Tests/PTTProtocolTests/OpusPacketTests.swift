import Testing
@testable import PTTProtocol

@Suite struct OpusPacketTests {
    @Test func readsDurationFromTOC() {
        // config 1 (SILK NB 20 ms), code 0: one frame.
        #expect(OpusPacket.samples([0x08]) == 960)
        // config 31 (CELT FB 20 ms) = 0xF8: the examples' payload byte.
        #expect(OpusPacket.samples([0xF8, 0xFF, 0xFE]) == 960)
        // config 15 (hybrid FB 20 ms), code 1: two frames.
        #expect(OpusPacket.samples([0x79]) == 1920)
        // config 16 (CELT NB 2.5 ms), code 3 with 4 frames.
        #expect(OpusPacket.samples([0x83, 0x04]) == 480)
        // config 3 (SILK 60 ms), code 3 with 2 frames: 120 ms, the maximum.
        #expect(OpusPacket.samples([0x1B, 0x02]) == 5760)
        #expect(OpusPacket.durationMicros([0x08]) == 20_000)
    }

    @Test func refusesUnreadablePackets() {
        #expect(OpusPacket.samples([UInt8]()) == nil)
        #expect(OpusPacket.samples([0x03]) == nil)
        #expect(OpusPacket.samples([0x03, 0x00]) == nil)
        // 3 frames of 60 ms: 180 ms is over the limit of RFC 6716.
        #expect(OpusPacket.samples([0x1B, 0x03]) == nil)
    }
}
