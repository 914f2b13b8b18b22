import Testing
@testable import PTTProtocol

/// Random and mutated input to the decoders: each call must return or throw, never trap.
@Suite struct FuzzTests {
    static let seeds: [String] = [
        ControlMessageGoldenTests.hello, ControlMessageGoldenTests.welcome, ControlMessageGoldenTests.talk,
        #"{"t":"chat","from":3,"text":"héllo \u00e9 \ud83c\udf99"}"#, #"{"t":"ping","from":1,"ts":12345}"#,
        #"{"t":"deny","reason":"busy","holder":12}"#, #"{"t":"error","code":"idle","text":"bye"}"#,
        #"{"t":"join","id":4,"name":"x","listen":true}"#, #"{"t":"x","a":[1,2.5e-3,{"b":null}]}"#,
    ]

    @Test func randomBytesNeverTrap() {
        var rng = SplitMix64(seed: 0x5EED_0001)
        var frames = 0, messages = 0
        for _ in 0..<100_000 {
            let n = Int(rng.next() % 64) + (rng.next() % 50 == 0 ? 1490 : 0)
            var bytes = [UInt8](repeating: 0, count: n)
            for i in 0..<n { bytes[i] = UInt8(truncatingIfNeeded: rng.next()) }
            if (try? AudioFrame.decode(bytes)) != nil { frames += 1 }
            // Bias a share of inputs towards JSON-looking text.
            if n > 2, rng.next() % 2 == 0 { bytes[0] = UInt8(ascii: "{"); bytes[n - 1] = UInt8(ascii: "}") }
            if (try? ControlMessage.decode(bytes, limit: 65536)) != nil { messages += 1 }
        }
        // Most random byte strings of 9+ bytes with a non-zero first byte are frames.
        #expect(frames > 50_000)
        #expect(messages < 100)
    }

    @Test func mutatedMessagesNeverTrap() {
        var rng = SplitMix64(seed: 0x5EED_0002)
        let seeds = Self.seeds.map { Array($0.utf8) }
        let tokens: [[UInt8]] = ["{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", "null", "true", "-0", "1e999",
                                 "4294967296", "\"t\"", "\"from\"", "\u{0}", "é", "\u{FEFF}"].map { Array($0.utf8) }
        var accepted = 0, rejected = 0
        for _ in 0..<100_000 {
            var b = seeds[Int(rng.next() % UInt64(seeds.count))]
            for _ in 0..<(1 + rng.next() % 4) {
                let at = b.isEmpty ? 0 : Int(rng.next() % UInt64(b.count))
                switch rng.next() % 5 {
                case 0: if !b.isEmpty { b.remove(at: at) }
                case 1: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
                case 2: if !b.isEmpty { b[at] = UInt8(truncatingIfNeeded: rng.next()) }
                case 3: b.insert(contentsOf: tokens[Int(rng.next() % UInt64(tokens.count))], at: at)
                default: if at < b.count { b.removeSubrange(at..<min(b.count, at + Int(rng.next() % 8))) }
                }
            }
            do {
                let m = try ControlMessage.decode(b, limit: 65536)
                accepted += 1
                // Whatever decodes must encode and decode to the same message.
                #expect(try ControlMessage.decode(m.encoded(), limit: 65536) == m)
            } catch {
                rejected += 1
            }
        }
        #expect(accepted + rejected == 100_000)
        #expect(accepted > 1000 && rejected > 1000)
    }

    @Test func mutatedFramesRoundTrip() throws {
        var rng = SplitMix64(seed: 0x5EED_0003)
        for _ in 0..<20_000 {
            let n = 1 + Int(rng.next() % 1492)
            let payload = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let f = AudioFrame(kind: AudioFrame.Kind(rawValue: UInt8(1 + rng.next() % 255)),
                               source: UInt32(1 + rng.next() % 0xFFFF_FFFE), seq: UInt16(truncatingIfNeeded: rng.next()),
                               flags: AudioFrame.Flags(rawValue: UInt8(rng.next() % 4)), payload: payload)
            #expect(try AudioFrame.decode(f.encoded()) == f)
        }
    }
}
