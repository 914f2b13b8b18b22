import PTTAudioCore
import Synchronization
import PTTSystem

/// Runs a playback device on its own thread: asks `render` for one period at a time
/// (the mixer runs there) and writes it.
///
/// Ownership: the device, the pacer and the period buffer belong to the playback thread;
/// `render` is only ever called from it. `status`, `xruns` and the running flag are in
/// `control` (`DeviceThread`). Without a device (missing, busy, lost) the thread keeps rendering
/// at real-time pace and throws the audio away, so jitter buffers drain and the session
/// goes on; it retries the device with backoff (0.25 s doubling to 5 s).
public final class PlaybackEngine: @unchecked Sendable {
    public typealias Opener = @Sendable () throws(AudioDeviceError) -> any AudioOutput
    /// Fills the buffer (`frames * channels` samples, interleaved) with the next period.
    public typealias Render = @Sendable (_ buffer: inout [Int16], _ frames: Int) -> Void

    public let channels: Int
    private let opener: Opener
    private let render: Render
    private let fallbackPeriodFrames: Int
    private let control = DeviceThread(name: "ptt-playback")
    private let framesPlayed = Atomic<Int>(0)

    public init(channels: Int = 1, periodMillis: Int = 10, opener: @escaping Opener, render: @escaping Render) {
        self.channels = channels
        self.opener = opener
        self.render = render
        self.fallbackPeriodFrames = 48 * periodMillis
    }

    /// Opens the named ALSA device.
    public convenience init(device: String, channels: Int = 1, periodMillis: Int = 10, render: @escaping Render) {
        self.init(channels: channels, periodMillis: periodMillis, opener: { () throws(AudioDeviceError) -> any AudioOutput in
            try ALSADevice.openPlayback(device, channels: channels, periodMillis: periodMillis)
        }, render: render)
    }

    public var status: DeviceStatus { control.status }
    public var xruns: Int { control.xruns }
    /// What the device last reported as its delay to the speaker (sampled every 100 periods, every 5 after `sampleDelayOften`).
    public var deviceDelayMicros: Int? { control.deviceDelayMicros }
    /// The same in frames.
    public var deviceDelayFrames: Int? { control.deviceDelayFrames }
    /// Reads the device's delay every 5 periods instead of every 100 (the echo canceller aligns
    /// with it). Call before `start`.
    public func sampleDelayOften() { control.sampleDelayOften() }
    /// Frames rendered so far (played or, without a device, discarded).
    public var frames: Int { framesPlayed.load(ordering: .relaxed) }

    public func onStatusChange(_ handler: @escaping @Sendable (DeviceStatus) -> Void) {
        control.onStatusChange(handler)
    }

    public func start() { control.start { [self] in run() } }

    /// Stops rendering, lets the device play what it holds, closes it.
    public func stop() { control.stop() }

    private func run() {
        var device: (any AudioOutput)?
        var periodFrames = fallbackPeriodFrames
        var buffer = [Int16](repeating: 0, count: periodFrames * channels)
        var pacer = Pacer(slackSamples: 0)
        pacer.reset(at: MonotonicClock.now())
        var backoff = RetryBackoff()
        var nextAttempt: UInt64 = 0
        var lastXruns = 0
        var periods = 0
        while control.isRunning {
            let now = MonotonicClock.now()
            if device == nil && now >= nextAttempt {
                do {
                    let d = try opener()
                    device = d
                    periodFrames = d.periodFrames
                    buffer = [Int16](repeating: 0, count: periodFrames * channels)
                    pacer = Pacer(slackSamples: d.isRealTime ? d.bufferFrames + 24_000 : d.bufferFrames)
                    pacer.reset(at: now)
                    lastXruns = 0
                    backoff.opened(at: now)
                    control.setStatus(.running(device: d.name))
                } catch {
                    let delay = backoff.failed()
                    control.setStatus(.unavailable(message: error.description, retryInMillis: Int(delay / 1_000_000)))
                    nextAttempt = now + delay
                    pacer = Pacer(slackSamples: 0)
                    pacer.reset(at: now)
                }
            }
            // Mix at the last moment: a period rendered before the device has room for it
            // would wait, already mixed, for up to a period (measured: 5 ms of mouth-to-ear).
            device?.waitForRoom()
            render(&buffer, periodFrames)
            if let dev = device {
                do {
                    try dev.write(buffer)
                    _ = control.countXruns(deviceTotal: dev.xruns, seen: &lastXruns)
                } catch {
                    dev.close()
                    device = nil
                    let delay = backoff.lost(at: MonotonicClock.now())
                    control.setStatus(.unavailable(message: error.description, retryInMillis: Int(delay / 1_000_000)))
                    nextAttempt = MonotonicClock.now() + delay
                    pacer = Pacer(slackSamples: 0)
                    pacer.reset(at: MonotonicClock.now())
                }
            }
            periods += 1
            if control.samplesDelay(after: periods), let delay = device?.delayFrames() { control.noteDelay(frames: delay) }
            framesPlayed.add(periodFrames, ordering: .relaxed)
            MonotonicClock.sleep(nanos: pacer.advance(by: periodFrames, at: MonotonicClock.now()))
        }
        device?.drain()
        device?.close()
    }
}
