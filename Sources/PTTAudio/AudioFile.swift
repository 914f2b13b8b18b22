import Glibc
import PTTAudioCore
import PTTRecordingCore
import PTTSystem

/// Audio files ptt reads (`ptt send`): WAV (8/16/24/32-bit integer or 32/64-bit float, 4 to
/// 192 kHz, 1 to 8 channels) and Ogg Opus, returned as 48 kHz mono 16-bit samples.
public enum AudioFile {
    public struct ReadError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot read '\(path)': \(reason)" }
    }

    /// Largest file read whole: an hour of 48 kHz stereo 16-bit WAV.
    public static let maxBytes = 700 << 20

    public static func read48kMono(_ path: String) throws -> [Int16] {
        let bytes = try readBytes(path)
        if bytes.starts(with: Array("OggS".utf8)) { return try decodeOggOpus(bytes, path: path) }
        if bytes.starts(with: Array("RIFF".utf8)) { return try decodeWAV(bytes, path: path) }
        throw ReadError(path: path, reason: "not a WAV or Ogg Opus file")
    }

    static func readBytes(_ path: String) throws -> [UInt8] {
        do { return try Posix.readFile(path, limit: maxBytes) } catch {
            throw ReadError(path: path, reason: error.errno == .fileTooLarge ? "larger than \(maxBytes >> 20) MiB" : error.reason)
        }
    }

    static func decodeWAV(_ b: [UInt8], path: String) throws -> [Int16] {
        guard let format = WAVHeader.parseFormat(b) else { throw ReadError(path: path, reason: "not a PCM or float WAV file") }
        let (rate, channels, bits, isFloat, offset) = format
        guard (1...8).contains(channels), (isFloat ? [32, 64] : [8, 16, 24, 32]).contains(bits), (4000...192_000).contains(rate) else {
            throw ReadError(path: path, reason: "unsupported WAV format: \(rate) Hz, \(channels) channel\(channels == 1 ? "" : "s"), \(bits)-bit \(isFloat ? "float" : "integer") "
                + "(ptt reads 4000 to 192000 Hz, 1 to 8 channels, 8/16/24/32-bit integer or 32/64-bit float)")
        }
        var length = Int(b[offset - 4]) | Int(b[offset - 3]) << 8 | Int(b[offset - 2]) << 16 | Int(b[offset - 1]) << 24
        if length == 0 || offset + length > b.count { length = b.count - offset } // streamed or cut short
        let width = bits / 8
        let count = length / width
        /// `n` bytes at `at`, little-endian.
        func word(_ at: Int, _ n: Int) -> UInt64 {
            var v: UInt64 = 0
            for k in 0..<n { v |= UInt64(b[at + k]) << (8 * k) }
            return v
        }
        var samples = [Float](repeating: 0, count: count)
        for i in 0..<count {
            let at = offset + i * width
            let v: Float
            switch (isFloat, width) {
            case (true, 4): v = Float(bitPattern: UInt32(truncatingIfNeeded: word(at, 4)))
            case (true, _): v = Float(Double(bitPattern: word(at, 8)))
            case (false, 1): v = (Float(b[at]) - 128) / 128
            case (false, 2): v = Float(Int16(bitPattern: UInt16(truncatingIfNeeded: word(at, 2)))) / 32768
            case (false, 3): v = Float(Int32(bitPattern: UInt32(truncatingIfNeeded: word(at, 3)) << 8) >> 8) / 8_388_608
            default: v = Float(Int32(bitPattern: UInt32(truncatingIfNeeded: word(at, 4)))) / 2_147_483_648
            }
            samples[i] = v.isFinite ? v : 0   // (a float file may hold NaN or infinity)
        }
        let mono = Resampler.downmix(samples, channels: channels)
        return Resampler.toInt16(Resampler.resample(mono, from: rate, to: OpusSettings.sampleRate))
    }

    static func decodeOggOpus(_ b: [UInt8], path: String) throws -> [Int16] {
        let stream: (packets: [[UInt8]], lastGranule: Int64)
        do { stream = try OggPage.packets(ofStream: b) } catch { throw ReadError(path: path, reason: "broken Ogg stream (\(error))") }
        guard stream.packets.count >= 2, stream.packets[0].starts(with: Array("OpusHead".utf8)), stream.packets[0].count >= 19 else {
            throw ReadError(path: path, reason: "an Ogg file without Opus audio")
        }
        let head = stream.packets[0]
        let preSkip = Int(head[10]) | Int(head[11]) << 8
        let decoder = try OpusDecoder()
        var pcm: [Int16] = []
        for packet in stream.packets.dropFirst(2) where !packet.isEmpty {
            do { pcm += try decoder.decode(packet) } catch { throw ReadError(path: path, reason: "undecodable Opus packet (\(error))") }
        }
        let end = stream.lastGranule > 0 ? min(pcm.count, Int(stream.lastGranule)) : pcm.count
        return preSkip < end ? Array(pcm[preSkip..<end]) : []
    }
}
