import PTTAudioCore
import PTTSystem

/// Runs a capture device on its own thread and hands periods to a `SampleRing`.
///
/// Ownership: the device, the pacer and the read buffer belong to the capture thread
/// (created, used and closed there). `status`, `xruns` and the running flag are in
/// `control` (`DeviceThread`). The ring is the only thing shared with the consumer.
/// Opening failures and a device lost mid-session do not stop the engine: it retries with
/// backoff (`RetryBackoff`: 0.25 s doubling to 5 s) and reports `.unavailable` meanwhile,
/// so a session goes on without a microphone.
public final class CaptureEngine: @unchecked Sendable {
    public typealias Opener = @Sendable () throws(AudioDeviceError) -> any AudioInput

    public let ring: SampleRing
    private let opener: Opener
    private let control = DeviceThread(name: "ptt-capture")

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

    public var status: DeviceStatus { control.status }
    /// Overruns recovered, over every device opened.
    public var xruns: Int { control.xruns }
    /// What the device last reported as its delay from the microphone (sampled every 100 periods, every 5 after `sampleDelayOften`).
    public var deviceDelayMicros: Int? { control.deviceDelayMicros }
    /// The same in frames.
    public var deviceDelayFrames: Int? { control.deviceDelayFrames }
    /// Reads the device's delay every 5 periods instead of every 100 (the echo canceller aligns
    /// with it). Call before `start`.
    public func sampleDelayOften() { control.sampleDelayOften() }

    /// Called on the capture thread whenever the status changes. Set before `start`.
    public func onStatusChange(_ handler: @escaping @Sendable (DeviceStatus) -> Void) {
        control.onStatusChange(handler)
    }

    public func start() { control.start { [self] in run() } }

    /// Stops the thread and closes the device; waits for both.
    public func stop() { control.stop() }

    private func run() {
        var device: (any AudioInput)?
        var buffer: [Int16] = []
        var pacer = Pacer()
        var backoff = RetryBackoff()
        var lastXruns = 0
        var reads = 0
        while control.isRunning {
            guard let dev = device else {
                do {
                    let d = try opener()
                    device = d
                    buffer = [Int16](repeating: 0, count: d.periodSamples)
                    // A real device cannot run ahead; allow for clock drift before pacing.
                    pacer = Pacer(slackSamples: d.isRealTime ? d.periodSamples + 24_000 : d.periodSamples)
                    pacer.reset(at: MonotonicClock.now())
                    lastXruns = 0
                    backoff.opened(at: MonotonicClock.now())
                    control.setStatus(.running(device: d.name))
                } catch {
                    let delay = backoff.failed()
                    control.setStatus(.unavailable(message: error.description, retryInMillis: Int(delay / 1_000_000)))
                    control.pause(delay)
                }
                continue
            }
            do {
                try dev.read(into: &buffer)
            } catch {
                dev.close()
                device = nil
                let delay = backoff.lost(at: MonotonicClock.now())
                control.setStatus(.unavailable(message: error.description, retryInMillis: Int(delay / 1_000_000)))
                control.pause(delay)
                continue
            }
            if control.countXruns(deviceTotal: dev.xruns, seen: &lastXruns) { pacer.reset(at: MonotonicClock.now()) }
            ring.write(buffer)
            reads += 1
            if control.samplesDelay(after: reads), let delay = dev.delayFrames() { control.noteDelay(frames: delay) }
            MonotonicClock.sleep(nanos: pacer.advance(by: buffer.count, at: MonotonicClock.now()))
        }
        device?.close()
    }
}
