import COpus
import PTTAudioCore

/// An Opus encoder for 48 kHz mono speech. Not thread-safe: owned by the one thread
/// that encodes (the transmit thread).
public final class OpusEncoder {
    public let settings: OpusSettings
    private let handle: OpaquePointer
    private var packet = [UInt8](repeating: 0, count: 1500)

    /// Creates and configures the encoder; invalid settings are refused with a clear message.
    public init(_ settings: OpusSettings = OpusSettings()) throws {
        let settings = try settings.validated()
        self.settings = settings
        let application = settings.lowLatency ? copus_application_restricted_lowdelay() : copus_application_voip()
        var err: Int32 = 0
        guard let enc = opus_encoder_create(Int32(OpusSettings.sampleRate), 1, application, &err) else {
            throw OpusError(code: err, call: "opus_encoder_create")
        }
        handle = enc
        do {
            try OpusError.check(err, "opus_encoder_create")
            try OpusError.check(copus_enc_set_bitrate(enc, Int32(settings.bitrate)), "set bitrate \(settings.bitrate)")
            try OpusError.check(copus_enc_set_vbr(enc, settings.vbr ? 1 : 0), "set VBR")
            try OpusError.check(copus_enc_set_complexity(enc, Int32(settings.complexity)), "set complexity")
            try OpusError.check(copus_enc_set_signal(enc, copus_signal_voice()), "set signal voice")
            let bandwidth = settings.maxBandwidth == .wideband ? copus_bandwidth_wideband() : copus_bandwidth_fullband()
            try OpusError.check(copus_enc_set_max_bandwidth(enc, bandwidth), "set max bandwidth")
            try OpusError.check(copus_enc_set_dtx(enc, 0), "set DTX off")
            let fec = settings.fec && !settings.lowLatency
            try OpusError.check(copus_enc_set_inband_fec(enc, fec ? 1 : 0), "set in-band FEC")
            try OpusError.check(copus_enc_set_packet_loss_perc(enc, Int32(settings.expectedLossPercent)), "set expected loss")
        } catch {
            opus_encoder_destroy(enc)
            throw error
        }
    }

    deinit { opus_encoder_destroy(handle) }

    /// Samples per frame the encoder takes.
    public var frameSamples: Int { settings.frameSamples }

    /// Algorithmic delay in samples (6.5 ms in VOIP, 2.5 ms in restricted low delay).
    public var lookaheadSamples: Int {
        var v: Int32 = 0
        return copus_enc_get_lookahead(handle, &v) == copus_ok() ? Int(v) : 0
    }

    /// Changes the expected loss (from measured loss) for the coming frames.
    public func setExpectedLoss(percent: Int) throws(OpusError) {
        try OpusError.check(copus_enc_set_packet_loss_perc(handle, Int32(min(max(percent, 0), 100))), "set expected loss")
    }

    /// Encodes exactly one frame (`frameSamples` samples) into one packet.
    public func encode(_ pcm: [Int16]) throws(OpusError) -> [UInt8] {
        guard pcm.count == frameSamples else { throw OpusError(code: -1, call: "encode: \(pcm.count) samples for a \(frameSamples)-sample frame") }
        let max = Int32(packet.count)
        let n = pcm.withUnsafeBufferPointer { src in
            packet.withUnsafeMutableBufferPointer { dst -> Int32 in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return OpusDecoder.badArgument }
                return opus_encode(handle, s, Int32(frameSamples), d, max)
            }
        }
        let bytes = Int(try OpusError.check(n, "opus_encode"))
        return Array(packet[0..<bytes])
    }

    /// Back to a fresh state (between unrelated streams), keeping the settings.
    public func reset() throws(OpusError) { try OpusError.check(copus_enc_reset(handle), "reset encoder") }
}

/// An Opus decoder for one remote speaker: decodes packets, conceals lost frames, rebuilds
/// a lost frame from the next packet's in-band FEC. Owned by the playback thread.
public final class OpusDecoder {
    /// 120 ms at 48 kHz: the longest Opus packet.
    static let maxSamples = 5760
    /// OPUS_BAD_ARG, returned for an empty buffer before libopus sees it.
    static let badArgument: Int32 = -1
    private let handle: OpaquePointer
    private var pcm = [Int16](repeating: 0, count: OpusDecoder.maxSamples)

    /// A decoder whose output is at `sampleRate` (8, 12, 16, 24 or 48 kHz): libopus renders any
    /// of them directly, so a consumer at 16 kHz (the scribe's recognizer) needs no resampler.
    public init(sampleRate: Int = OpusSettings.sampleRate) throws(OpusError) {
        var err: Int32 = 0
        guard let dec = opus_decoder_create(Int32(sampleRate), 1, &err) else {
            throw OpusError(code: err, call: "opus_decoder_create")
        }
        handle = dec
        if err != copus_ok() {
            opus_decoder_destroy(dec)
            throw OpusError(code: err, call: "opus_decoder_create")
        }
    }

    deinit { opus_decoder_destroy(handle) }

    /// Decodes into `pcm` (reused: no allocation per frame); returns the sample count.
    private func decodeInPlace(_ data: [UInt8]?, samples: Int, fec: Bool, call: String) throws(OpusError) -> Int {
        let frame = Int32(min(max(samples, 120), Self.maxSamples))
        let n: Int32
        if let data {
            n = data.withUnsafeBufferPointer { src in
                pcm.withUnsafeMutableBufferPointer { dst -> Int32 in
                    guard let s = src.baseAddress, let d = dst.baseAddress else { return Self.badArgument }
                    return opus_decode(handle, s, Int32(src.count), d, frame, fec ? 1 : 0)
                }
            }
        } else {
            n = pcm.withUnsafeMutableBufferPointer { dst -> Int32 in
                guard let d = dst.baseAddress else { return Self.badArgument }
                return opus_decode(handle, nil, 0, d, frame, 0)
            }
        }
        return Int(try OpusError.check(n, call))
    }

    /// Decodes one packet.
    public func decode(_ packet: [UInt8]) throws(OpusError) -> [Int16] {
        try perform(.play(payload: packet, last: false), frameSamples: Self.maxSamples)
    }

    /// Loss concealment for one missing frame of `samples` samples.
    public func conceal(samples: Int) throws(OpusError) -> [Int16] {
        try perform(.conceal, frameSamples: samples)
    }

    /// Rebuilds the missing frame just before `next` from `next`'s in-band FEC; without FEC
    /// data in it, libopus conceals instead.
    public func recover(fromNext next: [UInt8], samples: Int) throws(OpusError) -> [Int16] {
        try perform(.recover(fromNext: next), frameSamples: samples)
    }

    /// Executes a jitter buffer decision. `.silence` gives nothing; a concealment, an underrun's
    /// shortfall or a recovery yields `frameSamples` samples, a packet what it holds.
    public func perform(_ action: JitterBufferAction, frameSamples: Int) throws(OpusError) -> [Int16] {
        var out: [Int16] = []
        try perform(action, frameSamples: frameSamples, appendingTo: &out)
        return out
    }

    /// Executes a jitter buffer decision, appending the decoded samples to `output` (the
    /// playback thread's per-speaker queue) without a temporary array.
    public func perform(_ action: JitterBufferAction, frameSamples: Int, appendingTo output: inout [Int16]) throws(OpusError) {
        let count: Int
        switch action {
        case .silence: return
        case .play(let payload, _): count = try decodeInPlace(payload, samples: Self.maxSamples, fec: false, call: "opus_decode")
        case .recover(let next): count = try decodeInPlace(next, samples: frameSamples, fec: true, call: "opus_decode (FEC)")
        case .conceal, .underrun: count = try decodeInPlace(nil, samples: frameSamples, fec: false, call: "opus_decode (concealment)")
        }
        output.append(contentsOf: pcm[0..<count])
    }

    public func reset() throws(OpusError) { try OpusError.check(copus_dec_reset(handle), "reset decoder") }
}

/// The jitter buffer's decision, as the decoder executes it.
public typealias JitterBufferAction = JitterBuffer.Action
