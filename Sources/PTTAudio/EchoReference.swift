import PTTAudioCore
import PTTProtocol
import PTTSystem
import Synchronization

/// What the speakers played, handed from the playback thread to the transmit thread for the
/// echo canceller: the mix of each period (mono, or the mono sum of stereo) at 48 kHz, in a
/// `SampleRing`.
///
/// The transmit thread takes as many samples as it captured, oldest first, so the far end runs
/// in capture order. Where the echo of a sample lands in the microphone stream depends on the
/// devices' buffers; with `alignUsing(_:)` given their delays, an `EchoAlignment` keeps the far
/// end 5 to 25 ms ahead of its echo (padding it with silence or dropping its oldest samples,
/// once per half second at most, when it drifts), so the canceller's filter
/// (`SpeechSettings.echoTailMillis`) only spans the room. Without the delays (a device that
/// reports none), far end waiting beyond the frame taken is cut back to `resumeLagMillis` past
/// `maxLagMillis`. When the playback thread is behind (fewer samples than captured), the
/// missing part is silence.
///
/// Thread contract: `played` from the playback thread only, `take` from the transmit thread
/// only; `alignUsing` before either runs; the counters from the transmit thread (for tests).
public final class EchoReference: @unchecked Sendable {
    private let ring: SampleRing
    private let maxLag: Int
    private let resumeLag: Int
    private let clock: any Clock
    /// When the last period was handed over (nanoseconds, `clock`).
    private let lastMixed = Atomic<UInt64>(0)
    /// Set before the threads start.
    private var delays: (@Sendable () -> (playback: Int?, capture: Int?))?
    /// Playback thread only: one period summed to mono.
    private var mono: [Int16] = []
    /// Transmit thread only.
    private var alignment = EchoAlignment()
    private var pendingPad = 0
    /// Far-end samples a short take filled with silence, to drop when they come.
    private var owed = 0
    private var shortTakes = 0
    private var trims = 0
    private var pads = 0
    private var lastLead: Int?

    /// - Parameters:
    ///   - maxLagMillis: without device delays, the far end that may wait beyond the frame taken
    ///     before the oldest is dropped.
    ///   - resumeLagMillis: what is left waiting after such a drop.
    ///   - clock: when periods are mixed and frames taken.
    public init(maxLagMillis: Int = 40, resumeLagMillis: Int = 10, capacityMillis: Int = 500, clock: any Clock = MonotonicClock()) {
        ring = SampleRing(capacity: 48 * capacityMillis)
        maxLag = 48 * maxLagMillis
        resumeLag = 48 * min(resumeLagMillis, maxLagMillis)
        self.clock = clock
    }

    /// Where the devices' delays come from, in frames: the playback device's (mixed but not yet
    /// heard, read just after a period is written) and the capture device's (heard but not yet
    /// read). Either nil while its device does not report one. Call before the threads start.
    public func alignUsing(_ delays: @escaping @Sendable () -> (playback: Int?, capture: Int?)) {
        self.delays = delays
    }

    /// The playback thread hands over what it played: `buffer` holds `frames` frames of
    /// `channels` interleaved samples. Allocates only when the period grows.
    public func played(_ buffer: [Int16], frames: Int, channels: Int) {
        let n = min(frames, buffer.count / max(channels, 1))
        guard n > 0 else { return }
        defer { lastMixed.store(clock.now(), ordering: .releasing) }
        if channels == 1 {
            ring.write(buffer[0..<n])
            return
        }
        if mono.count < n { mono = [Int16](repeating: 0, count: n) }
        mono.withUnsafeMutableBufferPointer { dst in
            buffer.withUnsafeBufferPointer { src in
                for i in 0..<n {
                    var sum = 0
                    for c in 0..<channels { sum += Int(src[i * channels + c]) }
                    dst[i] = Int16(clamping: sum)
                }
            }
        }
        ring.write(mono[0..<n])
    }

    /// The transmit thread takes the far end that goes with `frame.count` captured samples
    /// into `frame` (silence where the playback thread has not caught up, or where the far end
    /// is being moved later). `captureBacklog`: samples captured after this frame that wait to
    /// be read. No allocation.
    public func take(into frame: inout [Int16], captureBacklog: Int = 0) {
        let n = frame.count
        let known = delays?()
        if known?.playback == nil, ring.available - n > maxLag {
            ring.trim(keeping: n + resumeLag)
            trims += 1
        }
        if owed > 0 {
            let dropped = ring.trim(keeping: max(ring.available - owed, 0))
            owed -= dropped
        }
        let pad = min(pendingPad, n)
        pendingPad -= pad
        for i in 0..<pad { frame[i] = 0 }
        let got = frame.withUnsafeMutableBufferPointer { buffer -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            return ring.read(into: UnsafeMutableBufferPointer(start: base + pad, count: n - pad))
        }
        if pad + got < n {
            for i in (pad + got)..<n { frame[i] = 0 }
            shortTakes += 1
            // The samples that were not there yet belong to this frame: when they come they
            // are dropped, so the far end stays where it was against the microphone (with the
            // device delays known; without them, the far end just moves later).
            if known?.playback != nil { owed = min(owed + n - pad - got, ring.capacity) }
        }
        guard let known, let playback = known.playback else {
            alignment.restart()
            lastLead = nil
            return
        }
        let mixed = lastMixed.load(ordering: .acquiring)
        guard mixed != 0 else { return }   // nothing played yet
        let now = clock.now()
        let since = now > mixed ? Int((now - mixed) * 48 / 1_000_000) : 0
        let lead = EchoAlignment.lead(playbackDelay: playback, captureDelay: known.capture ?? 0, captureBacklog: captureBacklog,
                                      waiting: ring.available + pendingPad - owed, sinceMixed: since)
        lastLead = lead
        switch alignment.note(lead: lead) {
        case .none:
            break
        case .pad(let k):
            let paid = min(k, owed)
            owed -= paid
            pendingPad = min(pendingPad + k - paid, ring.capacity)
            pads += 1
        case .drop(let k):
            let cut = min(k, pendingPad)
            pendingPad -= cut
            if k > cut { owed = min(owed + k - cut, ring.capacity) }
            trims += 1
        }
    }

    /// How often the far end was short (playback behind capture; transmit thread).
    var shortCount: Int { shortTakes }
    /// How often old far end was dropped (transmit thread).
    var trimCount: Int { trims }
    /// How often silence was put before the far end to move it later (transmit thread).
    var padCount: Int { pads }
    /// The last frame's lead (transmit thread), nil without device delays.
    var lead: Int? { lastLead }
    /// Samples waiting.
    var available: Int { ring.available }
}
