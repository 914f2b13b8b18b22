import CALSA
import Glibc
import PTTSystem

/// An ALSA PCM opened for capture or playback: 48 kHz, S16, mono (or stereo for playback),
/// with short periods (5 or 10 ms) for low latency. Every return code goes through
/// `ALSAError.check`; xruns are recovered with `snd_pcm_recover` and counted.
///
/// Owned by one thread: the engine thread that opened it.
public final class ALSADevice: AudioInput, AudioOutput {
    public static let sampleRate = 48_000
    /// How long `frames` frames last at the device's rate, in microseconds.
    public static func micros(frames: Int) -> Int { frames * 1_000_000 / sampleRate }

    public let name: String
    public let direction: AudioDirection
    public let channels: Int
    public private(set) var periodFrames: Int = 0
    public private(set) var bufferFrames: Int = 0
    public private(set) var isRealTime = true
    public private(set) var xruns = 0
    private var pcm: OpaquePointer?

    public var periodSamples: Int { periodFrames * channels }

    /// Opens a capture device (mono). `periodMillis` is 5 or 10; the buffer holds `periods` periods.
    public static func openCapture(_ name: String, periodMillis: Int = 10, periods: Int = 4) throws(AudioDeviceError) -> ALSADevice {
        try ALSADevice(name: name, direction: .capture, channels: 1, periodMillis: periodMillis, periods: periods)
    }

    /// Opens a playback device, mono or stereo.
    public static func openPlayback(_ name: String, channels: Int = 1, periodMillis: Int = 10, periods: Int = 4) throws(AudioDeviceError) -> ALSADevice {
        try ALSADevice(name: name, direction: .playback, channels: channels, periodMillis: periodMillis, periods: periods)
    }

    init(name: String, direction: AudioDirection, channels: Int, periodMillis: Int, periods: Int) throws(AudioDeviceError) {
        ALSAError.silenceLibraryMessages()
        self.name = name
        self.direction = direction
        self.channels = channels
        let stream = direction == .capture ? SND_PCM_STREAM_CAPTURE : SND_PCM_STREAM_PLAYBACK
        var handle: OpaquePointer?
        let rc = snd_pcm_open(&handle, name, stream, 0)
        guard rc >= 0, let handle else {
            throw .cannotOpen(device: name, direction: direction,
                              cause: ALSAError(code: rc < 0 ? rc : -ENODEV, call: "snd_pcm_open", device: name),
                              available: (try? DeviceList.all()) ?? [])
        }
        pcm = handle
        do {
            try configure(handle, periodMillis: periodMillis, periods: periods)
        } catch let error as ALSAError {
            snd_pcm_close(handle)
            pcm = nil
            throw .cannotOpen(device: name, direction: direction, cause: error, available: (try? DeviceList.all()) ?? [])
        } catch let error as AudioDeviceError {
            snd_pcm_close(handle)
            pcm = nil
            throw error
        } catch {
            snd_pcm_close(handle)
            pcm = nil
            throw .unsupported(device: name, direction: direction, what: "\(error)")
        }
        // The file and null plugins never block: whoever drives them must pace itself.
        let type = snd_pcm_type(handle)
        isRealTime = !(type == SND_PCM_TYPE_FILE || type == SND_PCM_TYPE_NULL)
    }

    private func configure(_ pcm: OpaquePointer, periodMillis: Int, periods: Int) throws {
        var hwp: OpaquePointer?
        try ALSAError.check(snd_pcm_hw_params_malloc(&hwp), "snd_pcm_hw_params_malloc", device: name)
        guard let hw = hwp else { throw ALSAError(code: -ENOMEM, call: "snd_pcm_hw_params_malloc", device: name) }
        defer { snd_pcm_hw_params_free(hw) }
        try ALSAError.check(snd_pcm_hw_params_any(pcm, hw), "snd_pcm_hw_params_any", device: name)
        try ALSAError.check(snd_pcm_hw_params_set_access(pcm, hw, calsa_access_rw_interleaved()), "set access (interleaved)", device: name)
        guard snd_pcm_hw_params_set_format(pcm, hw, calsa_format_s16_le()) >= 0 else {
            throw AudioDeviceError.unsupported(device: name, direction: direction, what: "no signed 16-bit sample format")
        }
        guard snd_pcm_hw_params_set_channels(pcm, hw, UInt32(channels)) >= 0 else {
            throw AudioDeviceError.unsupported(device: name, direction: direction, what: "cannot do \(channels) channel(s); try plughw: or default")
        }
        var rate = UInt32(Self.sampleRate)
        var dir: Int32 = 0
        try ALSAError.check(snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, &dir), "set rate", device: name)
        guard rate == UInt32(Self.sampleRate) else {
            throw AudioDeviceError.unsupported(device: name, direction: direction, what: "runs at \(rate) Hz, not 48000; try plughw: or default")
        }
        var period = snd_pcm_uframes_t(Self.sampleRate / 1000 * max(periodMillis, 1))
        try ALSAError.check(snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, &dir), "set period size", device: name)
        var buffer = period * snd_pcm_uframes_t(max(periods, 2))
        try ALSAError.check(snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &buffer), "set buffer size", device: name)
        try ALSAError.check(snd_pcm_hw_params(pcm, hw), "snd_pcm_hw_params", device: name)
        try ALSAError.check(snd_pcm_hw_params_get_period_size(hw, &period, &dir), "get period size", device: name)
        try ALSAError.check(snd_pcm_hw_params_get_buffer_size(hw, &buffer), "get buffer size", device: name)
        periodFrames = Int(period)
        bufferFrames = Int(buffer)

        var swp: OpaquePointer?
        try ALSAError.check(snd_pcm_sw_params_malloc(&swp), "snd_pcm_sw_params_malloc", device: name)
        guard let sw = swp else { throw ALSAError(code: -ENOMEM, call: "snd_pcm_sw_params_malloc", device: name) }
        defer { snd_pcm_sw_params_free(sw) }
        try ALSAError.check(snd_pcm_sw_params_current(pcm, sw), "snd_pcm_sw_params_current", device: name)
        // Playback starts once two periods are queued: low latency, one period of margin.
        let start = direction == .playback ? min(period * 2, buffer) : 1
        try ALSAError.check(snd_pcm_sw_params_set_start_threshold(pcm, sw, start), "set start threshold", device: name)
        try ALSAError.check(snd_pcm_sw_params_set_avail_min(pcm, sw, period), "set avail min", device: name)
        try ALSAError.check(snd_pcm_sw_params(pcm, sw), "snd_pcm_sw_params", device: name)
        try ALSAError.check(snd_pcm_prepare(pcm), "snd_pcm_prepare", device: name)
    }

    deinit { close() }

    /// Recovers from an xrun or suspend; anything else means the device is gone.
    private func recover(_ code: Int, _ call: String) throws(AudioDeviceError) {
        guard let pcm else { throw .lost(device: name, cause: ALSAError(code: -EBADFD, call: call, device: name)) }
        let err = Int32(truncatingIfNeeded: code)
        if err == -EINTR { return }
        if err == -EAGAIN {
            // Not ready, or nothing transferred (should not happen in blocking mode): wait for
            // the device instead of spinning (these threads may run at real-time priority).
            let rc = snd_pcm_wait(pcm, 10)
            if rc < 0 && rc != -EPIPE && rc != -ESTRPIPE { throw .lost(device: name, cause: ALSAError(code: rc, call: "snd_pcm_wait", device: name)) }
            return
        }
        let rc = snd_pcm_recover(pcm, err, 1)
        guard rc >= 0 else { throw .lost(device: name, cause: ALSAError(code: err, call: call, device: name)) }
        if err == -EPIPE { xruns += 1 }
    }

    public func read(into buffer: inout [Int16]) throws(AudioDeviceError) {
        guard let pcm else { throw .lost(device: name, cause: ALSAError(code: -EBADFD, call: "snd_pcm_readi", device: name)) }
        let frames = buffer.count / channels
        var done = 0
        while done < frames {
            let r = buffer.withUnsafeMutableBufferPointer { p -> Int in
                guard let base = p.baseAddress else { return -Int(EINVAL) }
                return snd_pcm_readi(pcm, base + done * channels, snd_pcm_uframes_t(frames - done))
            }
            if r > 0 { done += r } else if r == 0 { try recover(-Int(EAGAIN), "snd_pcm_readi") } else { try recover(r, "snd_pcm_readi") }
        }
    }

    /// Most frames a playback write leaves queued in the device (a real-time one): two
    /// periods, like the start threshold. A blocking write into a full 4-period buffer would
    /// keep the whole buffer queued: measured on PulseAudio, 2 extra periods of mouth-to-ear
    /// delay. The rest of the buffer stays as headroom for a late playback thread.
    private var maxQueuedFrames: Int { min(2 * periodFrames, bufferFrames) }

    /// Sleeps until writing `frames` more leaves at most `maxQueuedFrames` queued.
    private func waitForQueueRoom(_ pcm: OpaquePointer, frames: Int) {
        guard isRealTime, direction == .playback else { return }
        for _ in 0..<8 {
            let avail = snd_pcm_avail_update(pcm)
            guard avail >= 0 else { return }   // an xrun: the write recovers it
            let queued = bufferFrames - Int(avail)
            let excess = queued + frames - maxQueuedFrames
            guard excess > 0, queued > 0 else { return }
            MonotonicClock.sleep(nanos: UInt64(excess) * 1_000_000_000 / UInt64(Self.sampleRate))
        }
    }

    public func delayFrames() -> Int? {
        guard let pcm else { return nil }
        var delay: snd_pcm_sframes_t = 0
        guard snd_pcm_delay(pcm, &delay) >= 0 else { return nil }
        return Int(delay)
    }

    public func waitForRoom() {
        guard let pcm else { return }
        waitForQueueRoom(pcm, frames: periodFrames)
    }

    public func write(_ samples: [Int16]) throws(AudioDeviceError) {
        guard let pcm else { throw .lost(device: name, cause: ALSAError(code: -EBADFD, call: "snd_pcm_writei", device: name)) }
        let frames = samples.count / channels
        waitForQueueRoom(pcm, frames: frames)
        var done = 0
        while done < frames {
            let r = samples.withUnsafeBufferPointer { p -> Int in
                guard let base = p.baseAddress else { return -Int(EINVAL) }
                return snd_pcm_writei(pcm, base + done * channels, snd_pcm_uframes_t(frames - done))
            }
            if r > 0 { done += r } else if r == 0 { try recover(-Int(EAGAIN), "snd_pcm_writei") } else { try recover(r, "snd_pcm_writei") }
        }
    }

    /// The last failure of `drain` or `close`, which have no one to throw to (shutdown paths).
    public private(set) var shutdownError: ALSAError?

    public func drain() {
        guard let pcm, direction == .playback else { return }
        do { try ALSAError.check(snd_pcm_drain(pcm), "snd_pcm_drain", device: name) } catch { shutdownError = error }
    }

    public func close() {
        guard let pcm else { return }
        self.pcm = nil
        do { try ALSAError.check(snd_pcm_close(pcm), "snd_pcm_close", device: name) } catch { shutdownError = error }
    }
}
