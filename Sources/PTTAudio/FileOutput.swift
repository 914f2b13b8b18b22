import Glibc
import PTTProtocol
import PTTAudioCore
import PTTRecordingCore
import PTTSystem

/// Playback into a file instead of a sound card (`ptt listen --out`): an `AudioOutput` that
/// does not block, so the playback engine paces it in real time like any such device.
/// `close()` completes the file.
/// Sendable because it is made on one thread and handed, once, to the playback thread that
/// then owns it.
public final class FileOutput: AudioOutput, @unchecked Sendable {
    public enum Format: Sendable {
        case wav
        /// Ogg Opus, encoded with these settings (mono).
        case oggOpus(OpusSettings)

        /// From the file name: `.opus`/`.ogg` are Ogg Opus, anything else WAV.
        public static func guess(path: String, settings: OpusSettings) -> Format {
            let lower = path.lowercased()
            return lower.hasSuffix(".opus") || lower.hasSuffix(".ogg") ? .oggOpus(settings) : .wav
        }
    }

    public let name: String
    public let channels: Int
    public let periodFrames = 480
    public let bufferFrames = 960
    public let isRealTime = false
    public let xruns = 0

    let fd: Int32
    let format: Format
    var dataBytes = 0
    var encoder: OpusEncoder?
    var ogg: OggOpusWriter?
    var pending: [Int16] = []
    var closed = false

    /// Creates (or truncates) the file. Ogg Opus files are mono.
    public init(path: String, format: Format, channels: Int = 1) throws(AudioDeviceError) {
        name = path
        self.format = format
        switch format {
        case .wav: self.channels = channels
        case .oggOpus: self.channels = 1
        }
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .fileFailed(path: path, cause: .current("open")) }
        do {
            switch format {
            case .wav:
                try append(WAVHeader.bytes(channels: self.channels, dataBytes: 0))
            case .oggOpus(let settings):
                let enc = try OpusEncoder(settings)
                var w = OggOpusWriter(serial: UInt32.random(in: 1...UInt32.max), preSkip: UInt16(enc.lookaheadSamples))
                try append(w.header(comments: ["ENCODER=\(PTTVersion.clientAgent)"]))
                encoder = enc
                ogg = w
            }
        } catch {
            Glibc.close(fd)
            if let e = error as? AudioDeviceError { throw e }
            throw .unsupported(device: path, direction: .playback, what: "\(error)")
        }
    }

    deinit { close() }

    func append(_ bytes: [UInt8]) throws(AudioDeviceError) {
        do { try Posix.writeAll(fd, bytes) } catch { throw .fileFailed(path: name, cause: error) }
    }

    public func write(_ samples: [Int16]) throws(AudioDeviceError) {
        guard !closed else { return }
        switch format {
        case .wav:
            let bytes = samples.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }
            try append(bytes)
            dataBytes += bytes.count
        case .oggOpus:
            pending += samples
            try encodePending(final: false)
        }
    }

    func encodePending(final: Bool) throws(AudioDeviceError) {
        guard let encoder, var w = ogg else { return }
        let n = encoder.frameSamples
        if final, pending.count % n != 0 { pending += [Int16](repeating: 0, count: n - pending.count % n) }
        while pending.count >= n {
            let frame = Array(pending.prefix(n))
            pending.removeFirst(n)
            let packet: [UInt8]
            do { packet = try encoder.encode(frame) } catch { throw .unsupported(device: name, direction: .playback, what: "\(error)") }
            if let page = w.append(packet) { try append(page) }
        }
        ogg = w
    }

    public func drain() {}

    /// Completes the file: the WAV sizes, or the last Ogg page.
    public func close() {
        guard !closed else { return }
        closed = true
        switch format {
        case .wav:
            var header = WAVHeader.bytes(channels: channels, dataBytes: dataBytes)
            _ = header.withUnsafeMutableBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        case .oggOpus:
            try? encodePending(final: true)
            if var w = ogg { try? append(w.finish()); ogg = w }
        }
        Glibc.close(fd)
    }
}
