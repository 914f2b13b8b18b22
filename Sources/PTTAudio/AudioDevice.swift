import PTTSystem
import SystemPackage
/// The two small protocols every audio device implements: ALSA PCMs (`ALSADevice`) and
/// the in-memory ideal devices the tests run the whole path with (`MemoryInput`,
/// `MemoryOutput`). A device is created, used and closed by one thread: the engine
/// thread that opened it. Samples are 48 kHz signed 16-bit, interleaved when stereo.
public protocol AudioInput: AnyObject {
    /// The device name the user gave (`default`, `hw:1`, ...).
    var name: String { get }
    /// Samples one `read` returns: one ALSA period.
    var periodSamples: Int { get }
    /// Whether reads block at the sample rate. ALSA's `file` and `null` plugins and the
    /// memory devices do not: the engine then paces itself on the monotonic clock.
    var isRealTime: Bool { get }
    /// Overruns recovered so far.
    var xruns: Int { get }
    /// Fills `buffer` (`periodSamples` long) with the next samples; xruns are recovered
    /// inside. Throws `.lost` when the device is gone.
    func read(into buffer: inout [Int16]) throws(AudioDeviceError)
    /// Frames between the microphone and the next `read`, as the device reports it; nil
    /// when it cannot tell.
    func delayFrames() -> Int?
    func close()
}

public protocol AudioOutput: AnyObject {
    var name: String { get }
    /// 1 or 2.
    var channels: Int { get }
    /// Frames (samples per channel) one `write` takes.
    var periodFrames: Int { get }
    /// Frames the device buffers: how far ahead of real time writes can get.
    var bufferFrames: Int { get }
    var isRealTime: Bool { get }
    /// Underruns recovered so far.
    var xruns: Int { get }
    /// Plays `samples` (`periodFrames * channels`, interleaved); underruns are recovered inside.
    func write(_ samples: [Int16]) throws(AudioDeviceError)
    /// Sleeps until one more period can be written without queueing more than the device
    /// should hold. The playback engine waits here before it renders, so a period is mixed
    /// at the last moment instead of waiting, already mixed, for room in the device.
    func waitForRoom()
    /// Frames between the next `write` and the speaker, as the device reports it; nil when
    /// it cannot tell.
    func delayFrames() -> Int?
    /// Waits until what was written has been played (before closing at the end).
    func drain()
    func close()
}

extension AudioOutput {
    /// Devices that never block have room at once.
    public func waitForRoom() {}
    public func delayFrames() -> Int? { nil }
}

extension AudioInput {
    public func delayFrames() -> Int? { nil }
}

public enum AudioDirection: String, Sendable {
    case capture, playback

    var option: String { self == .capture ? "--input" : "--output" }
}

/// One PCM device as ALSA's name hints describe it.
public struct DeviceInfo: Equatable, Sendable {
    public var name: String
    public var description: String
    public var capture: Bool
    public var playback: Bool

    public init(name: String, description: String, capture: Bool, playback: Bool) {
        self.name = name
        self.description = description
        self.capture = capture
        self.playback = playback
    }
}

/// Why a device cannot be used, in words that name it and say what to do.
public enum AudioDeviceError: Error, Sendable, CustomStringConvertible {
    /// Opening failed: missing, busy, or misconfigured. Lists the devices there are.
    case cannotOpen(device: String, direction: AudioDirection, cause: ALSAError, available: [DeviceInfo])
    /// The device opened but cannot do 48 kHz S16 at the channel count asked for.
    case unsupported(device: String, direction: AudioDirection, what: String)
    /// A device in use failed for good (unplugged, server gone); the engine reopens it.
    case lost(device: String, cause: ALSAError)
    /// A file standing in for a device (`ptt listen --out`) cannot be created or written.
    case fileFailed(path: String, cause: PosixError)

    public var device: String {
        switch self {
        case .cannotOpen(let d, _, _, _), .unsupported(let d, _, _), .lost(let d, _), .fileFailed(let d, _): return d
        }
    }

    public var description: String {
        switch self {
        case .cannotOpen(let device, let direction, let cause, let available):
            let why: String
            switch Errno(rawValue: -cause.code) {
            case .resourceBusy: why = "it is busy (another program is using it)"
            case .noSuchFileOrDirectory, .operationNotSupportedByDevice: why = "no such device"  // ENOENT, ENODEV
            default: why = cause.reason
            }
            let names = available.filter { direction == .capture ? $0.capture : $0.playback }.map(\.name)
            let list = names.isEmpty ? "none found" : names.joined(separator: ", ")
            return "cannot open \(direction.rawValue) device '\(device)': \(why) (\(cause.call)). "
                + "Available \(direction.rawValue) devices: \(list). Choose one with \(direction.option) NAME (see `ptt devices`)."
        case .unsupported(let device, let direction, let what):
            return "\(direction.rawValue) device '\(device)' cannot be used: \(what)"
        case .lost(let device, let cause):
            return "audio device '\(device)' stopped working: \(cause.reason) (\(cause.call)); reopening"
        case .fileFailed(let path, let cause):
            return "cannot write '\(path)': \(cause.reason)"
        }
    }
}

/// What an engine's device is doing, for the user interface.
public enum DeviceStatus: Equatable, Sendable {
    case stopped
    case running(device: String)
    /// Not available; the engine retries on its own. The session goes on without it.
    case unavailable(message: String, retryInMillis: Int)

    public var isRunning: Bool {
        if case .running = self { return true }
        return false
    }
}
