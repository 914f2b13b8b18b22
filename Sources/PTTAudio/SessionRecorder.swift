import PTTProtocol
import Synchronization
import PTTSystem

/// Records a session as its user lived it (`ptt join --record`): the mix that was played plus
/// the user's own speech, into a WAV or Ogg Opus file.
///
/// Threads: `played(_:)` runs on the playback thread and `sent(_:)` on the transmit thread;
/// both only copy into bounded queues under a lock held for the copy (played audio into a
/// sample ring: no allocation per period on the playback thread). The recorder's own thread
/// decodes the user's frames, mixes, and does all file I/O, so a slow disk never stalls
/// audio. A full queue drops the oldest audio (counted), never blocks.
public final class SessionRecorder: Sendable {
    struct Queues {
        var sent: [Transmitter.Frame] = []
        var droppedFrames = 0
        var stopping = false
        var error: String?
    }

    /// The queues, shared with the writer thread. `played` is written only under `queues`'
    /// lock, so nothing lands in it after `stopping` is set.
    final class Shared: Sendable {
        let queues = Mutex(Queues())
        let played = SampleRing(capacity: SessionRecorder.maxQueuedSamples)
    }

    /// About 2 s of played audio, and 200 of the user's frames (4 s of 20 ms frames), may wait
    /// for the writer.
    static let maxQueuedSamples = 96_000
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
        let ring = shared.played
        shared.queues.withLock { q in
            guard !q.stopping else { return }
            guard channels == 2 else { return ring.write(samples) }
            let frames = samples.count / 2
            withUnsafeTemporaryAllocation(of: Int16.self, capacity: max(frames, 1)) { mono in
                for i in 0..<frames { mono[i] = Int16((Int(samples[2 * i]) + Int(samples[2 * i + 1])) / 2) }
                ring.write(UnsafeBufferPointer(rebasing: mono[0..<frames]))
            }
        }
    }

    /// A frame the user's transmitter sent.
    public func sent(_ frame: Transmitter.Frame) {
        shared.queues.withLock { q in
            guard !q.stopping else { return }
            q.sent.append(frame)
            if q.sent.count > Self.maxQueued { q.sent.removeFirst(); q.droppedFrames += 1 }
        }
    }

    /// Played samples (48 kHz) dropped because the writer fell behind.
    public var droppedSamples: Int { shared.played.overwrittenSamples }

    /// Frames of the user's own speech dropped because the writer fell behind.
    public var droppedFrames: Int { shared.queues.withLock { $0.droppedFrames } }

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
            let (sent, stopping) = shared.queues.withLock { q -> ([Transmitter.Frame], Bool) in
                defer { q.sent = [] }
                return (q.sent, q.stopping)
            }
            // Taken after the flag: once stopping is seen, nothing more is written to the ring.
            let played = shared.played.read(shared.played.available) ?? []
            for frame in sent {
                if let pcm = try? decoder.decode(frame.payload) { own += pcm }
            }
            if own.count > maxOwn { own.removeFirst(own.count - maxOwn) }
            if !failed && !played.isEmpty {
                var block = played
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
