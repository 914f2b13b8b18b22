/// Reads what an Opus packet's TOC byte (RFC 6716 §3.1) says about its length,
/// without decoding it: the relay sizes its queues in time this way.
public enum OpusPacket {
    /// Samples at 48 kHz of one frame for each of the 32 TOC configurations.
    static let frameSamples: [Int] = [
        480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 1920, 2880, // SILK NB, MB, WB
        480, 960, 480, 960, // Hybrid SWB, FB
        120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, // CELT
    ]

    /// Duration of the packet in 48 kHz samples, or nil when the TOC is unreadable
    /// (empty packet, code 3 without its count byte, or over 120 ms as RFC 6716 forbids).
    public static func samples(_ packet: some Collection<UInt8>) -> Int? {
        guard let toc = packet.first else { return nil }
        let perFrame = frameSamples[Int(toc >> 3)]
        let frames: Int
        switch toc & 0x03 {
        case 0: frames = 1
        case 1, 2: frames = 2
        default:
            let rest = packet.dropFirst()
            guard let countByte = rest.first else { return nil }
            frames = Int(countByte & 0x3F)
            guard frames > 0 else { return nil }
        }
        let total = perFrame * frames
        return total <= 5760 ? total : nil
    }

    /// Duration in microseconds, or nil as for `samples`.
    public static func durationMicros(_ packet: some Collection<UInt8>) -> Int? {
        samples(packet).map { $0 * 1000 / 48 }
    }

    /// Whether the packet carries in-band FEC (SILK's LBRR data) for the frame before it: only
    /// then does decoding it with FEC rebuild a lost frame; without it the decoder conceals.
    /// The VAD and LBRR flags are the first bits of the first SILK frame (RFC 6716 §4.2.3,
    /// libopus' `opus_packet_has_lbrr`, which Debian's libopus 1.3 does not have yet).
    public static func hasLBRR(_ packet: [UInt8]) -> Bool {
        guard let toc = packet.first else { return false }
        let config = Int(toc >> 3)
        guard config < 16 else { return false }   // CELT only: no SILK layer
        let perFrame = frameSamples[config]
        let silkFrames = perFrame > 960 ? perFrame / 960 : 1
        let stereo = toc & 0x04 != 0
        guard let start = firstFrameStart(packet), start < packet.count else { return false }
        let first = packet[start]
        var lbrr = (first >> UInt8(7 - silkFrames)) & 1 == 1
        if stereo { lbrr = lbrr || (first >> UInt8(6 - 2 * silkFrames)) & 1 == 1 }
        return lbrr
    }

    /// Where the first frame's data starts (RFC 6716 §3.2), or nil when the packet is malformed
    /// or its first frame is empty.
    static func firstFrameStart(_ packet: [UInt8]) -> Int? {
        guard packet.count >= 2 else { return nil }
        switch packet[0] & 0x03 {
        case 0, 1:
            return 1
        case 2:
            let b1 = Int(packet[1])
            if b1 == 0 { return nil }
            if b1 < 252 { return 2 }
            return packet.count > 3 && b1 + 4 * Int(packet[2]) > 0 ? 3 : nil
        default:
            let countByte = packet[1]
            let frames = Int(countByte & 0x3F)
            guard frames > 0 else { return nil }
            var i = 2
            if countByte & 0x40 != 0 {   // padding length: bytes of 255 continue it
                while true {
                    guard i < packet.count else { return nil }
                    let b = packet[i]
                    i += 1
                    if b != 255 { break }
                }
            }
            if countByte & 0x80 != 0 {   // VBR: the first frame's length comes first
                guard i < packet.count else { return nil }
                let b1 = Int(packet[i])
                if b1 == 0 { return nil }
                i += b1 < 252 ? 1 : 2
                // The other frames' lengths (M-1 in all) follow.
                for _ in 0..<max(0, frames - 2) {
                    guard i < packet.count else { return nil }
                    i += packet[i] < 252 ? 1 : 2
                }
            }
            return i
        }
    }
}
