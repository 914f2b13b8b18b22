/// Sums the active speakers into one output block: per-speaker gain, mute and stereo pan,
/// a master volume, and a soft limiter so loud overlaps bend instead of wrapping around.
/// Nobody talking gives silence. Runs on the playback thread, one block per period.
public struct Mixer: Sendable {
    /// How one speaker is heard.
    public struct Channel: Equatable, Sendable {
        /// Linear gain (1 = unchanged).
        public var gain: Double = 1
        public var muted = false
        /// -1 = left, 0 = centre, 1 = right (stereo output only).
        public var pan: Double = 0
        /// Whether `pan` was set (a new speaker is placed automatically until it is).
        public var panSet = false

        public init(gain: Double = 1, muted: Bool = false, pan: Double = 0) {
            self.gain = gain
            self.muted = muted
            self.pan = pan
        }

        /// Constant-power pan law: left and right factors for `pan`.
        var panFactors: (left: Double, right: Double) {
            let p = min(max(pan, -1), 1)
            let angle = (p + 1) * AudioMath.pi / 4
            return (AudioMath.cos(angle), AudioMath.sin(angle))
        }
    }

    /// 1 (mono) or 2 (interleaved stereo).
    public let outputChannels: Int
    /// Linear master volume applied after the sum.
    public var masterGain: Double = 1
    /// Level (fraction of full scale) above which the limiter starts bending the signal.
    public var limiterKnee: Double = 0.8
    private var channels: [UInt32: Channel] = [:]
    private var scratch: [Float] = []
    /// Samples (per channel) the limiter had to bend in the last `mix`.
    public private(set) var limitedSamples = 0

    public init(outputChannels: Int = 1) {
        precondition(outputChannels == 1 || outputChannels == 2, "mono or stereo")
        self.outputChannels = outputChannels
    }

    /// Stereo positions handed to speakers in order of appearance, so overlapping talkers
    /// come from different places: centre, then alternating left and right, spreading out.
    public static func autoPan(index: Int) -> Double {
        let positions: [Double] = [0, -0.5, 0.5, -0.25, 0.25, -0.75, 0.75]
        return positions[index % positions.count]
    }

    /// Whether speaker `id` was given a place (`setPan`).
    public func hasPan(_ id: UInt32) -> Bool { channels[id]?.panSet ?? false }
    public func channel(_ id: UInt32) -> Channel { channels[id] ?? Channel() }
    public mutating func setChannel(_ id: UInt32, _ channel: Channel) { channels[id] = channel }
    public mutating func setGain(_ id: UInt32, dB: Double) { channels[id, default: Channel()].gain = AudioMath.amplitude(dB: dB) }
    public mutating func setMuted(_ id: UInt32, _ muted: Bool) { channels[id, default: Channel()].muted = muted }
    public mutating func setPan(_ id: UInt32, _ pan: Double) {
        channels[id, default: Channel()].pan = pan
        channels[id, default: Channel()].panSet = true
    }
    public mutating func removeChannel(_ id: UInt32) { channels[id] = nil }

    /// Mixes `frames` samples of each input (mono, 48 kHz) into `output`
    /// (`frames * outputChannels` samples, interleaved). Inputs shorter than `frames`
    /// count as silence past their end.
    public mutating func mix(_ inputs: [(id: UInt32, samples: ArraySlice<Int16>)], frames: Int, into output: inout [Int16]) {
        let width = frames * outputChannels
        if scratch.count != width { scratch = Array(repeating: 0, count: width) }
        if output.count != width { output = Array(repeating: 0, count: width) }
        let master = Float(masterGain)
        let knee = Float(limiterKnee)
        var limited = 0
        // Through buffer pointers: indexing the arrays checks bounds and uniqueness per sample,
        // and this runs for every sample of every period.
        scratch.withUnsafeMutableBufferPointer { sum in
            sum.update(repeating: 0)
            for input in inputs {
                let ch = channels[input.id] ?? Channel()
                guard !ch.muted, ch.gain > 0 else { continue }
                let n = min(frames, input.samples.count)
                input.samples.withUnsafeBufferPointer { samples in
                    if outputChannels == 1 {
                        let g = Float(ch.gain / 32768)
                        for i in 0..<n { sum[i] += Float(samples[i]) * g }
                    } else {
                        let (l, r) = ch.panFactors
                        let gl = Float(ch.gain * l / 32768), gr = Float(ch.gain * r / 32768)
                        for i in 0..<n {
                            let s = Float(samples[i])
                            sum[2 * i] += s * gl
                            sum[2 * i + 1] += s * gr
                        }
                    }
                }
            }
            output.withUnsafeMutableBufferPointer { out in
                for i in 0..<width {
                    var x = sum[i] * master
                    let a = abs(x)
                    if a > knee {
                        x = (x < 0 ? -1 : 1) * Mixer.softLimit(a, knee: knee)
                        limited += 1
                    }
                    out[i] = Int16(max(-32768, min(32767, (x * 32768).rounded())))
                }
            }
        }
        limitedSamples = limited
    }

    /// Above the knee, maps [knee, ∞) smoothly onto [knee, 1): slope 1 at the knee, never reaching 1.
    static func softLimit(_ a: Float, knee: Float) -> Float {
        let room = 1 - knee
        let t = (a - knee) / room
        return knee + room * t / (1 + t)
    }
}
