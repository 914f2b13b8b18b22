import PTTCore
import Synchronization

/// Records a session as its user lived it (`ptt join --record`): the mix that was played plus
/// the user's own speech, into a WAV or Ogg Opus file.
///
/// Threads: `played(_:)` runs on the playback thread and `sent(_:)` on the transmit thread;
/// both only append to a bounded queue under a mutex held for a copy. The recorder's own
/// thread decodes the user's frames, mixes, and does all file I/O, so a slow disk never
/// stalls audio. A full queue drops the oldest audio (counted), never blocks.
public final class SessionRecorder: Sendable {
    struct Queues {
        var played: [[Int16]] = []
        var sent: [AudioFrame] = []
        var dropped = 0
        var stopping = false
        var finished = false
        var error: String?
    }

    /// The queues, shared with the writer thread.
    final class Shared: Sendable {
        let queues = Mutex(Queues())
    }

    /// About 2 s of 10 ms blocks may wait for the writer.
    static let maxQueued = 200
    let shared = Shared()
    let path: String
    let thread: Mutex<AudioThread?> = Mutex(nil)

    /// Opens the file (so a bad path fails before the session starts) and starts the writer.
    public init(path: String, format: FileOutput.Format) throws {
        self.path = path
        let file = LockedHandoff(try FileOutput(path: path, format: format, channels: 1))
        let decoder = LockedHandoff(try OpusDecoder())
        let shared = self.shared
        thread.withLock {
            $0 = AudioThread(name: "recorder") {
                guard let file = file.take(), let decoder = decoder.take() else { return }
                Self.write(file: file, decoder: decoder, shared: shared)
            }
        }
    }

    /// A block the playback thread rendered (mono or interleaved stereo).
    public func played(_ samples: [Int16], channels: Int) {
        let mono: [Int16]
        if channels == 2 {
            mono = stride(from: 0, to: samples.count - 1, by: 2).map { Int16((Int(samples[$0]) + Int(samples[$0 + 1])) / 2) }
        } else {
            mono = samples
        }
        shared.queues.withLock { q in
            guard !q.stopping else { return }
            q.played.append(mono)
            if q.played.count > Self.maxQueued { q.played.removeFirst(); q.dropped += 1 }
        }
    }

    /// A frame the user sent.
    public func sent(_ frame: AudioFrame) {
        shared.queues.withLock { q in
            guard !q.stopping else { return }
            q.sent.append(frame)
            if q.sent.count > Self.maxQueued { q.sent.removeFirst(); q.dropped += 1 }
        }
    }

    /// Blocks of audio dropped because the writer fell behind.
    public var dropped: Int { shared.queues.withLock { $0.dropped } }

    /// Why writing stopped, if it failed (the file keeps what was written).
    public var failure: String? { shared.queues.withLock { $0.error } }

    /// Writes what is queued, completes the file and stops the writer.
    public func finish() {
        shared.queues.withLock { $0.stopping = true }
        thread.withLock { t in
            t?.join()
            t = nil
        }
    }

    /// The writer thread: own speech is decoded and added to the played mix, sample for
    /// sample, as the played blocks come (own audio waiting for playback is bounded to 200 ms,
    /// so two clocks drifting apart cannot grow it).
    static func write(file: FileOutput, decoder: OpusDecoder, shared: Shared) {
        var own: [Int16] = []
        let maxOwn = 48_000 / 5
        var failed = false
        while true {
            let (played, sent, stopping) = shared.queues.withLock { q -> ([[Int16]], [AudioFrame], Bool) in
                defer { q.played = []; q.sent = [] }
                return (q.played, q.sent, q.stopping)
            }
            for frame in sent where frame.kind == .opus {
                if let pcm = try? decoder.decode(frame.payload) { own += pcm }
            }
            if own.count > maxOwn { own.removeFirst(own.count - maxOwn) }
            for var block in played where !failed {
                let n = min(block.count, own.count)
                for i in 0..<n { block[i] = Int16(clamping: Int(block[i]) + Int(own[i])) }
                own.removeFirst(n)
                do { try file.write(block) } catch {
                    failed = true
                    shared.queues.withLock { $0.error = "recording to '\(file.name)' stopped: \(error)" }
                }
            }
            if stopping && played.isEmpty { break }
            MonotonicClock.sleep(nanos: 20_000_000)
        }
        file.close()
        shared.queues.withLock { $0.finished = true }
    }
}

/// A value made on one thread and taken, once, by another (a device or codec object that
/// then belongs to the taking thread).
public final class LockedHandoff<Value>: @unchecked Sendable {
    private let lock = Mutex<Void>(())
    private var value: Value?
    public init(_ value: Value) { self.value = value }
    /// The value the first time; nil after.
    public func take() -> Value? { lock.withLock { _ in defer { value = nil }; return value } }
}
