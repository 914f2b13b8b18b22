import PTTSystem
import Synchronization

/// What a device engine (capture or playback) shares between its device thread and everyone
/// else: the running flag, the device's status and who is told when it changes, the xruns
/// recovered and the delay the device last reported. All of it is protected by `lock`;
/// `start` and `stop` belong to the engine's owner.
final class DeviceThread: @unchecked Sendable {
    private let lock = ConditionLock()
    private let name: String
    private var thread: AudioThread?
    // Protected by lock:
    private var running = false
    private var currentStatus = DeviceStatus.stopped
    private var xrunCount = 0
    private var statusHandler: (@Sendable (DeviceStatus) -> Void)?
    private var lastDelayFrames: Int?

    /// `name` is the thread's (in `ps`, `top -H` and profilers).
    init(name: String) { self.name = name }

    var status: DeviceStatus { lock.withLock { currentStatus } }
    var xruns: Int { lock.withLock { xrunCount } }
    var deviceDelayMicros: Int? { lock.withLock { lastDelayFrames.map(ALSADevice.micros(frames:)) } }
    var deviceDelayFrames: Int? { lock.withLock { lastDelayFrames } }
    var isRunning: Bool { lock.withLock { running } }

    func onStatusChange(_ handler: @escaping @Sendable (DeviceStatus) -> Void) {
        lock.withLock { statusHandler = handler }
    }

    /// Runs `body` on a real-time-priority thread, unless one runs already.
    func start(_ body: @escaping @Sendable () -> Void) {
        let already = lock.withLock { () -> Bool in
            if running { return true }
            running = true
            return false
        }
        guard !already else { return }
        thread = AudioThread(name: name, realtime: true, body)
    }

    /// Clears the running flag, wakes a `pause`, waits for the thread to end, reports `.stopped`.
    func stop() {
        lock.withLock { running = false }
        lock.broadcast()
        thread?.join()
        thread = nil
        setStatus(.stopped)
    }

    /// Records the status; calls the handler (outside the lock) when it changed.
    func setStatus(_ s: DeviceStatus) {
        let handler = lock.withLock { () -> (@Sendable (DeviceStatus) -> Void)? in
            guard currentStatus != s else { return nil }
            currentStatus = s
            return statusHandler
        }
        handler?(s)
    }

    /// Adds the xruns the device counted since `seen`, its total at the last call (0 for a
    /// device just opened). Returns whether there were any.
    func countXruns(deviceTotal: Int, seen: inout Int) -> Bool {
        guard deviceTotal != seen else { return false }
        let delta = deviceTotal - seen
        seen = deviceTotal
        lock.withLock { xrunCount += delta }
        return true
    }

    func noteDelay(frames: Int) { lock.withLock { lastDelayFrames = frames } }

    /// Periods between two readings of the device's delay: 100 (telemetry), or 5 while the
    /// echo canceller aligns with it (`sampleDelayOften`). On PulseAudio a reading takes the
    /// plugin's lock, so the device thread does not take it more often than it must.
    private let delayEvery = Atomic<Int>(100)
    func sampleDelayOften() { delayEvery.store(5, ordering: .relaxed) }
    /// Whether the device thread reads the delay after its `n`-th period (from 1).
    func samplesDelay(after n: Int) -> Bool { n % delayEvery.load(ordering: .relaxed) == 1 }

    /// Sleeps up to `nanos`, waking early on `stop`.
    func pause(_ nanos: UInt64) {
        let deadline = MonotonicClock.now() + nanos
        lock.withLock {
            while running && MonotonicClock.now() < deadline { _ = lock.wait(until: deadline) }
        }
    }
}
