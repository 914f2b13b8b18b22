import PTTProtocol
import Testing
@testable import PTTAudio

/// The codec wrappers, judged by what comes out (length, energy, correlation), never by encoder bytes.
@Suite struct OpusCodecTests {
    static func roundTrip(_ input: [Int16], settings: OpusSettings = OpusSettings()) throws -> (out: [Int16], bytes: Int) {
        let enc = try OpusEncoder(settings)
        let dec = try OpusDecoder()
        let n = enc.frameSamples
        var out: [Int16] = []
        var bytes = 0
        for f in 0..<(input.count / n) {
            let packet = try enc.encode(Array(input[(f * n)..<((f + 1) * n)]))
            bytes += packet.count
            #expect(OpusPacket.samples(packet) == n)
            out += try dec.decode(packet)
        }
        return (out, bytes)
    }

    @Test func roundTripKeepsLengthEnergyAndShape() throws {
        let input = Signals.speechLike(seconds: 2)
        let (out, bytes) = try Self.roundTrip(input)
        #expect(out.count == input.count)
        // About 24 kbit/s: 6000 bytes for 2 s (VBR: loosely).
        #expect(bytes > 3000 && bytes < 9000, "\(bytes) bytes")
        let (corr, lag) = Signals.bestCorrelation(input, out, maxLag: 600)
        #expect((290...330).contains(lag), "decoder delay is about the 6.5 ms lookahead: \(lag)")
        #expect(corr > 0.8, "correlation \(corr)")
        let ratio = Signals.energy(out[lag...]) / Signals.energy(input[..<(input.count - lag)])
        #expect(ratio > 0.7 && ratio < 1.3, "energy ratio \(ratio)")
    }

    @Test(arguments: [10.0, 20, 40, 60])
    func everyFrameSizeWorks(ms: Double) throws {
        var s = OpusSettings()
        s.frameMillis = ms
        let input = Signals.speechLike(seconds: 1.2)
        let (out, _) = try Self.roundTrip(input, settings: s)
        #expect(out.count == input.count / s.frameSamples * s.frameSamples)
        #expect(Signals.bestCorrelation(input, out, maxLag: 600).0 > 0.75)
    }

    @Test func lowLatencyProfile() throws {
        let s = OpusSettings.lowLatencyProfile()
        let enc = try OpusEncoder(s)
        #expect(enc.frameSamples == 480)
        #expect(enc.lookaheadSamples == 120)
        #expect(s.description.contains("no FEC"))
        let input = Signals.speechLike(seconds: 1)
        let (out, _) = try Self.roundTrip(input, settings: s)
        let (corr, lag) = Signals.bestCorrelation(input, out, maxLag: 600)
        #expect((100...140).contains(lag), "lag \(lag)")
        #expect(corr > 0.8)
    }

    @Test func invalidSettingsAreRefusedClearly() {
        var s = OpusSettings()
        s.frameMillis = 25
        #expect(s.problem?.contains("frame size 25 ms") == true)
        s = OpusSettings()
        s.bitrate = 1000
        #expect(s.problem?.contains("invalid bitrate 1000") == true)
        #expect(throws: OpusSettingsError.self) { try OpusEncoder(s) }
        s = OpusSettings.lowLatencyProfile(bitrate: 24_000)
        #expect(s.problem?.contains("at least 32000") == true)
        #expect(OpusSettings().problem == nil)
        #expect(OpusSettings.lowLatencyProfile().problem == nil)
    }

    /// `OpusPacket.hasLBRR` reads the flag libopus' encoder writes: set on speech packets when
    /// FEC is on and loss is expected, never when FEC is off or the packet is CELT only.
    @Test func theLBRRFlagSaysWhetherAPacketCarriesFEC() throws {
        let input = Signals.speechLike(seconds: 1)
        func flags(_ configure: (inout OpusSettings) -> Void) throws -> [Bool] {
            var s = OpusSettings()
            configure(&s)
            let enc = try OpusEncoder(s)
            let n = Int(s.frameMillis) * 48
            return try (0..<(48_000 / n)).map { OpusPacket.hasLBRR(try enc.encode(Array(input[($0 * n)..<(($0 + 1) * n)]))) }
        }
        let withFEC = try flags { $0.expectedLossPercent = 20 }
        #expect(withFEC.filter { $0 }.count >= 30, "\(withFEC)")
        #expect(try flags { $0.expectedLossPercent = 0 }.allSatisfy { !$0 })
        #expect(try flags { $0.expectedLossPercent = 20; $0.fec = false }.allSatisfy { !$0 })
        #expect(try flags { $0.expectedLossPercent = 20; $0.bitrate = 64_000; $0.lowLatency = true; $0.frameMillis = 10 }.allSatisfy { !$0 })
        #expect(!OpusPacket.hasLBRR([]) && !OpusPacket.hasLBRR([0x0B]) && !OpusPacket.hasLBRR([0x0B, 0x00]))
        // Code 2 (two frames of different length) and code 3 (VBR, padded) reach the first frame.
        #expect(OpusPacket.hasLBRR([0x0A, 0x01, 0x40, 0x00]))
        #expect(OpusPacket.hasLBRR([0x0B, 0x82, 0x01, 0x01, 0x40, 0x00]) == false)
        #expect(OpusPacket.hasLBRR([0x0B, 0xC2, 0x01, 0x01, 0x40, 0x00, 0x00]))
    }

    @Test func fecRebuildsALostFrameBetterThanConcealment() throws {
        var s = OpusSettings()
        s.expectedLossPercent = 20
        let enc = try OpusEncoder(s)
        let input = Signals.speechLike(seconds: 1)
        let packets = try (0..<50).map { try enc.encode(Array(input[($0 * 960)..<(($0 + 1) * 960)])) }
        func decodeLosing(_ lost: Int, fec: Bool) throws -> [Int16] {
            let dec = try OpusDecoder()
            var out: [Int16] = []
            for (i, p) in packets.enumerated() {
                if i == lost {
                    out += fec ? try dec.recover(fromNext: packets[i + 1], samples: 960) : try dec.conceal(samples: 960)
                } else {
                    out += try dec.decode(p)
                }
            }
            return out
        }
        let clean = try decodeLosing(-1, fec: false)
        let lost = 25
        let range = (lost * 960)..<((lost + 1) * 960)
        let withFEC = try decodeLosing(lost, fec: true)
        let withPLC = try decodeLosing(lost, fec: false)
        #expect(withFEC.count == clean.count && withPLC.count == clean.count)
        let cFEC = Signals.correlation(Array(clean[range]), Array(withFEC[range]), lag: 0)
        let cPLC = Signals.correlation(Array(clean[range]), Array(withPLC[range]), lag: 0)
        #expect(cFEC > 0.5, "FEC frame correlation \(cFEC)")
        #expect(cFEC > cPLC, "FEC \(cFEC) vs PLC \(cPLC)")
    }

    @Test func decoderExecutesJitterBufferActions() throws {
        let enc = try OpusEncoder()
        let dec = try OpusDecoder()
        let p = try enc.encode(Array(Signals.speechLike(seconds: 0.02)))
        #expect(try dec.perform(.play(payload: p, last: false), frameSamples: 960).count == 960)
        #expect(try dec.perform(.conceal, frameSamples: 960).count == 960)
        #expect(try dec.perform(.recover(fromNext: p), frameSamples: 960).count == 960)
        #expect(try dec.perform(.silence, frameSamples: 960).isEmpty)
        #expect(throws: OpusError.self) { try dec.decode([0xFF, 0xFF, 0xFF]) }
    }

    /// Appending in place gives the same samples as the calls that return arrays, after what
    /// the queue already held.
    @Test func appendingDecodeMatchesReturnedArrays() throws {
        let enc = try OpusEncoder()
        let speech = Signals.speechLike(seconds: 0.1)
        let packets = try (0..<5).map { try enc.encode(Array(speech[($0 * 960)..<(($0 + 1) * 960)])) }
        let byArrays = try OpusDecoder(), inPlace = try OpusDecoder()
        var expected: [Int16] = [7, 8, 9]
        expected += try byArrays.decode(packets[0])
        expected += try byArrays.conceal(samples: 960)
        expected += try byArrays.recover(fromNext: packets[2], samples: 960)
        expected += try byArrays.decode(packets[2])
        expected += try byArrays.decode(packets[3])
        var queue: [Int16] = [7, 8, 9]
        let actions: [JitterBufferAction] = [.play(payload: packets[0], last: false), .conceal, .recover(fromNext: packets[2]),
                                             .silence, .play(payload: packets[2], last: false), .play(payload: packets[3], last: true)]
        for action in actions { try inPlace.perform(action, frameSamples: 960, appendingTo: &queue) }
        #expect(queue.count == 3 + 5 * 960)
        #expect(queue == expected)
    }
}
