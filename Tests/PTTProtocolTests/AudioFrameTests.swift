import Testing
@testable import PTTProtocol

@Suite struct AudioFrameTests {
    // PROTOCOL.md §2 examples, byte for byte.
    static let example1: [UInt8] = [0x01, 0x00, 0x00, 0x00, 0x2A, 0x00, 0x07, 0x01, 0xF8, 0xFF, 0xFE]
    static let example2: [UInt8] = [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x03, 0xF8]

    @Test func encodesProtocolExamples() throws {
        let a = AudioFrame(source: 42, seq: 7, flags: .start, payload: [0xF8, 0xFF, 0xFE])
        #expect(try a.encoded() == Self.example1)
        let b = AudioFrame(source: 4_294_967_295, seq: 65535, flags: [.start, .end], payload: [0xF8])
        #expect(try b.encoded() == Self.example2)
    }

    @Test func decodesProtocolExamples() throws {
        let a = try AudioFrame.decode(Self.example1)
        #expect(a == AudioFrame(kind: .opus, source: 42, seq: 7, flags: .start, payload: [0xF8, 0xFF, 0xFE]))
        #expect(a.isStart && !a.isEnd)
        let b = try AudioFrame.decode(Self.example2)
        #expect(b.source == 4_294_967_295 && b.seq == 65535 && b.isStart && b.isEnd && b.payload == [0xF8])
    }

    @Test func decodesFromSlices() throws {
        let padded: [UInt8] = [0xAA] + Self.example1
        #expect(try AudioFrame.decode(padded[1...]).source == 42)
    }

    @Test func rejectsShortMessages() {
        for n in 0...8 {
            let bytes = Array(Self.example1.prefix(n))
            #expect(throws: FrameError.tooShort(length: n)) { try AudioFrame.decode(bytes) }
        }
        #expect(FrameError.tooShort(length: 3).closeCode == .policyViolation)
    }

    @Test func rejectsLongMessages() throws {
        let ok = [UInt8](repeating: 1, count: 1500)
        #expect(try AudioFrame.decode(ok).payload.count == 1492)
        let long = [UInt8](repeating: 1, count: 1501)
        #expect(throws: FrameError.tooLong(length: 1501)) { try AudioFrame.decode(long) }
        #expect(FrameError.tooLong(length: 1501).closeCode == .tooBig)
    }

    @Test func rejectsKindZeroAndKeepsReservedKinds() throws {
        var bytes = Self.example1
        bytes[0] = 0
        #expect(throws: FrameError.invalidKind) { try AudioFrame.decode(bytes) }
        #expect(FrameError.invalidKind.closeCode == .policyViolation)
        bytes[0] = 0x02
        #expect(try AudioFrame.decode(bytes).kind == .sealed)
        bytes[0] = 0x7F
        #expect(try AudioFrame.decode(bytes).kind.rawValue == 0x7F)
    }

    @Test func ignoresUndefinedFlagBits() throws {
        var bytes = Self.example1
        bytes[7] = 0xFE
        let f = try AudioFrame.decode(bytes)
        #expect(f.flags == .end)
        let out = try AudioFrame(source: 1, seq: 0, flags: AudioFrame.Flags(rawValue: 0xFF), payload: [1]).encoded()
        #expect(out[7] == 0x03)
    }

    @Test func encodingChecksLimits() {
        #expect(throws: FrameError.zeroSource) { try AudioFrame(source: 0, seq: 0, payload: [1]).encoded() }
        #expect(throws: FrameError.tooShort(length: 8)) { try AudioFrame(source: 1, seq: 0, payload: []).encoded() }
        #expect(throws: FrameError.tooLong(length: 1501)) {
            try AudioFrame(source: 1, seq: 0, payload: [UInt8](repeating: 0, count: 1493)).encoded()
        }
        #expect(throws: FrameError.invalidKind) {
            try AudioFrame(kind: AudioFrame.Kind(rawValue: 0), source: 1, seq: 0, payload: [1]).encoded()
        }
    }

    @Test func stampsSourceInPlace() throws {
        var bytes = Self.example1
        AudioFrame.stampSource(0x0102_0304, in: &bytes)
        #expect(bytes == [0x01, 0x01, 0x02, 0x03, 0x04, 0x00, 0x07, 0x01, 0xF8, 0xFF, 0xFE])
        var tiny: [UInt8] = [1, 2]
        AudioFrame.stampSource(9, in: &tiny)
        #expect(tiny == [1, 2])
    }

    @Test func sequenceComparisonWraps() {
        #expect(UInt16(1).isAfter(0))
        #expect(UInt16(0).isAfter(65535))
        #expect(!UInt16(65535).isAfter(0))
        #expect(!UInt16(5).isAfter(5))
        #expect(UInt16(2).distance(from: 65534) == 4)
        #expect(UInt16(65534).distance(from: 2) == -4)
    }
}
