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
}
