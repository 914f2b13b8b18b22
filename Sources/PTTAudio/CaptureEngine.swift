import PTTCore

/// Runs a capture device on its own thread and hands periods to a `SampleRing`.
///
/// Ownership: the device, the pacer and the read buffer belong to the capture thread
/// (created, used and closed there). `status`, `xruns` and the running flag are protected
/// by `lock`. The ring is the only thing shared with the consumer. Opening failures and
/// a device lost mid-session do not stop the engine: it retries with backoff (`RetryBackoff`: 0.25 s
/// doubling to 5 s) and reports `.unavailable` meanwhile, so a session goes on without
/// a microphone.
public final class CaptureEngine: @unchecked Sendable {
    public typealias Opener = @Sendable () throws(AudioDeviceError) -> any AudioInput

    public let ring: SampleRing
    private let opener: Opener
    private let lock = ConditionLock()
    private var thread: AudioThread?
    // Protected by lock:
    private var running = false
    private var currentStatus = DeviceStatus.stopped
    private var xrunCount = 0
    private var statusHandler: (@Sendable (DeviceStatus) -> Void)?
    private var lastDelayFrames: Int?

    /// `ringMillis` of audio can wait for the consumer before the oldest is overwritten.
    public init(ringMillis: Int = 500, opener: @escaping Opener) {
        self.ring = SampleRing(capacity: 48 * ringMillis)
        self.opener = opener
    }

    /// Opens the named ALSA device with `periodMillis` periods.
    public convenience init(device: String, periodMillis: Int = 10, ringMillis: Int = 500) {
        self.init(ringMillis: ringMillis) { () throws(AudioDeviceError) -> any AudioInput in
            try ALSADevice.openCapture(device, periodMillis: periodMillis)
        }
    }

    public var status: DeviceStatus { lock.withLock { currentStatus } }
    /// Overruns recovered, over every device opened.
    public var xruns: Int { lock.withLock { xrunCount } }
    /// What the device last reported as its delay from the microphone (sampled every 100 periods).
    public var deviceDelayMicros: Int? { lock.withLock { lastDelayFrames.map(ALSADevice.micros(frames:)) } }

    /// Called on the capture thread whenever the status changes. Set before `start`.
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
        thread = AudioThread(name: "ptt-capture", realtime: true) { [self] in run() }
    }

    /// Stops the thread and closes the device; waits for both.
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

    /// Sleeps up to `nanos`, waking early on `stop`.
    private func pause(_ nanos: Int64) {
        let deadline = MonotonicClock.nanos() + nanos
        lock.withLock {
            while running && MonotonicClock.nanos() < deadline { _ = lock.wait(until: deadline) }
        }
    }

    private func run() {
        var device: (any AudioInput)?
        var buffer: [Int16] = []
        var pacer = Pacer()
        var backoff = RetryBackoff()
        var lastXruns = 0
        var reads = 0
        while isRunning {
            guard let dev = device else {
                do {
                    let d = try opener()
                    device = d
                    buffer = [Int16](repeating: 0, count: d.periodSamples)
                    // A real device cannot run ahead; allow for clock drift before pacing.
                    pacer = Pacer(slackSamples: d.isRealTime ? d.periodSamples + 24_000 : d.periodSamples)
                    pacer.reset(at: MonotonicClock.nanos())
                    lastXruns = 0
                    backoff.opened(at: MonotonicClock.nanos())
                    setStatus(.running(device: d.name))
                } catch {
                    let delay = backoff.failed()
                    setStatus(.unavailable(message: error.description, retryInMillis: Int(delay / 1_000_000)))
                    pause(delay)
                }
                continue
            }
            do {
                try dev.read(into: &buffer)
            } catch {
                dev.close()
                device = nil
                let delay = backoff.lost(at: MonotonicClock.nanos())
                setStatus(.unavailable(message: error.description, retryInMillis: Int(delay / 1_000_000)))
                pause(delay)
                continue
            }
            if dev.xruns != lastXruns {
                let delta = dev.xruns - lastXruns
                lastXruns = dev.xruns
                lock.withLock { xrunCount += delta }
                pacer.reset(at: MonotonicClock.nanos())
            }
            ring.write(buffer)
            reads += 1
            if reads % 100 == 1, let delay = dev.delayFrames() { lock.withLock { lastDelayFrames = delay } }
            MonotonicClock.sleep(nanos: pacer.advance(by: buffer.count, at: MonotonicClock.nanos()))
        }
        device?.close()
    }
}
