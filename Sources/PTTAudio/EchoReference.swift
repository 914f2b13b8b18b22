/// What the speakers played, handed from the playback thread to the transmit thread for the
/// echo canceller: the mix of each period (mono, or the mono sum of stereo) at 48 kHz, in a
/// `SampleRing`.
///
/// The transmit thread takes as many samples as it captured, oldest first, so the far end runs
/// in capture order. The echo of a sample reaches the microphone after the playback queue, the
/// speaker, the room and the capture period: later than it was mixed, never earlier. What waits
/// in the ring beyond the frame taken is far end the canceller would see after its echo, so it
/// is kept short: past `maxLagMillis`, the oldest is dropped down to `resumeLagMillis` (at the
/// start, and when capture stalled). When the playback thread is behind (fewer samples than
/// captured), the missing part is silence. The canceller's filter, `SpeechSettings.echoTailMillis`
/// long, absorbs the rest of the delay from the mix to the microphone.
///
/// Thread contract: `played` from the playback thread only, `take` from the transmit thread
/// only; the counters from the transmit thread (for tests).
public final class EchoReference: @unchecked Sendable {
    private let ring: SampleRing
    private let maxLag: Int
    private let resumeLag: Int
    /// Playback thread only: one period summed to mono.
    private var mono: [Int16] = []
    /// Transmit thread only.
    private var shortTakes = 0
    private var trims = 0

    /// - Parameters:
    ///   - maxLagMillis: the far end that may wait beyond the frame taken before the oldest is dropped.
    ///   - resumeLagMillis: what is left waiting after such a drop.
    public init(maxLagMillis: Int = 40, resumeLagMillis: Int = 10, capacityMillis: Int = 500) {
        ring = SampleRing(capacity: 48 * capacityMillis)
        maxLag = 48 * maxLagMillis
        resumeLag = 48 * min(resumeLagMillis, maxLagMillis)
    }

    /// The playback thread hands over what it played: `buffer` holds `frames` frames of
    /// `channels` interleaved samples. Allocates only when the period grows.
    public func played(_ buffer: [Int16], frames: Int, channels: Int) {
        let n = min(frames, buffer.count / max(channels, 1))
        guard n > 0 else { return }
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
    /// into `frame` (silence where the playback thread has not caught up). No allocation.
    public func take(into frame: inout [Int16]) {
        let n = frame.count
        let waiting = ring.available
        if waiting - n > maxLag {
            ring.trim(keeping: n + resumeLag)
            trims += 1
        }
        let got = frame.withUnsafeMutableBufferPointer { ring.read(into: $0) }
        if got < n {
            for i in got..<n { frame[i] = 0 }
            shortTakes += 1
        }
    }

    /// How often the far end was short (playback behind capture; transmit thread).
    var shortCount: Int { shortTakes }
    /// How often old far end was dropped (transmit thread).
    var trimCount: Int { trims }
    /// Samples waiting.
    var available: Int { ring.available }
}
