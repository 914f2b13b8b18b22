/// An ideal capture device: plays back samples held in memory, then silence (or loops).
/// It never blocks, like ALSA's `file` plugin, so the engines pace it in real time: the
/// whole capture → encode → decode → mix → play path runs in tests without a sound card.
public final class MemoryInput: AudioInput {
    public let name: String
    public let periodSamples: Int
    public let isRealTime = false
    public let xruns = 0
    private let samples: [Int16]
    private let loops: Bool
    private var position = 0

    public init(name: String = "memory", samples: [Int16], periodSamples: Int = 480, loops: Bool = false) {
        self.name = name
        self.samples = samples
        self.periodSamples = periodSamples
        self.loops = loops
    }

    public func read(into buffer: inout [Int16]) throws(AudioDeviceError) {
        for i in 0..<buffer.count {
            if position >= samples.count {
                if loops && !samples.isEmpty { position = 0 } else { buffer[i] = 0; continue }
            }
            buffer[i] = samples[position]
            position += 1
        }
    }

    public func close() {}
}

/// An ideal playback device: keeps everything written, readable from any thread.
public final class MemoryOutput: AudioOutput, @unchecked Sendable {
    public let name: String
    public let channels: Int
    public let periodFrames: Int
    public let bufferFrames: Int
    public let isRealTime = false
    public let xruns = 0
    private let lock = ConditionLock()
    private var recorded: [Int16] = []   // protected by lock

    public init(name: String = "memory", channels: Int = 1, periodFrames: Int = 480) {
        self.name = name
        self.channels = channels
        self.periodFrames = periodFrames
        self.bufferFrames = periodFrames * 2
    }

    public func write(_ samples: [Int16]) throws(AudioDeviceError) {
        lock.withLock { recorded.append(contentsOf: samples) }
    }

    /// Everything written so far.
    public var samples: [Int16] { lock.withLock { recorded } }

    public func drain() {}
    public func close() {}
}
