import PTTCore

/// Runs a playback device on its own thread: asks `render` for one period at a time
/// (the mixer runs there) and writes it.
///
/// Ownership: the device, the pacer and the period buffer belong to the playback thread;
/// `render` is only ever called from it. `status`, `xruns` and the running flag are
/// protected by `lock`. Without a device (missing, busy, lost) the thread keeps rendering
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
    private let lock = ConditionLock()
    private var thread: AudioThread?
    // Protected by lock:
    private var running = false
    private var currentStatus = DeviceStatus.stopped
    private var xrunCount = 0
    private var statusHandler: (@Sendable (DeviceStatus) -> Void)?
    private var framesPlayed = 0
    private var lastDelayFrames: Int?

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

    public var status: DeviceStatus { lock.withLock { currentStatus } }
    public var xruns: Int { lock.withLock { xrunCount } }
    /// What the device last reported as its delay to the speaker (sampled every 100 periods).
    public var deviceDelayMicros: Int? { lock.withLock { lastDelayFrames.map(ALSADevice.micros(frames:)) } }
    /// Frames rendered so far (played or, without a device, discarded).
    public var frames: Int { lock.withLock { framesPlayed } }

    public func onStatusChange(_ handler: @escaping @Sendable (DeviceStatus) -> Void) {
        lock.withLock { statusHandler = handler }
    }

    public func start() {
        let already = lock.withLock { () -> Bool in
            if running { return true }
            running = true
            return false
        }
        guard !already else { return }
        thread = AudioThread(name: "ptt-playback", realtime: true) { [self] in run() }
    }

    /// Stops rendering, lets the device play what it holds, closes it.
    public func stop() {
        lock.withLock { running = false }
        lock.broadcast()
        thread?.join()
        thread = nil
        setStatus(.stopped)
    }

    private var isRunning: Bool { lock.withLock { running } }

    private func setStatus(_ s: DeviceStatus) {
        let handler = lock.withLock { () -> (@Sendable (DeviceStatus) -> Void)? in
            guard currentStatus != s else { return nil }
            currentStatus = s
            return statusHandler
        }
        handler?(s)
    }

    private func run() {
        var device: (any AudioOutput)?
        var periodFrames = fallbackPeriodFrames
        var buffer = [Int16](repeating: 0, count: periodFrames * channels)
        var pacer = Pacer(slackSamples: 0)
        pacer.reset(at: MonotonicClock.nanos())
        var backoff = RetryBackoff()
        var nextAttempt: Int64 = 0
        var lastXruns = 0
        var periods = 0
        while isRunning {
            let now = MonotonicClock.nanos()
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
                    setStatus(.running(device: d.name))
                } catch {
                    let delay = backoff.failed()
                    setStatus(.unavailable(message: error.description, retryInMillis: Int(delay / 1_000_000)))
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
                    if dev.xruns != lastXruns {
                        let delta = dev.xruns - lastXruns
                        lastXruns = dev.xruns
                        lock.withLock { xrunCount += delta }
                    }
                } catch {
                    dev.close()
                    device = nil
                    let delay = backoff.lost(at: MonotonicClock.nanos())
                    setStatus(.unavailable(message: error.description, retryInMillis: Int(delay / 1_000_000)))
                    nextAttempt = MonotonicClock.nanos() + delay
                    pacer = Pacer(slackSamples: 0)
                    pacer.reset(at: MonotonicClock.nanos())
                }
            }
            periods += 1
            let delay = periods % 100 == 1 ? device?.delayFrames() : nil
            lock.withLock {
                framesPlayed += periodFrames
                if let delay { lastDelayFrames = delay }
            }
            MonotonicClock.sleep(nanos: pacer.advance(by: periodFrames, at: MonotonicClock.nanos()))
        }
        device?.drain()
        device?.close()
    }
}
