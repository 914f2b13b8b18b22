import Foundation
@testable import PTTAudio
import PTTAudioCore
import PTTProtocol
import PTTSystem
import Testing

/// The microphone's cleaning through the real speexdsp: noise suppression, AGC, each switch,
/// and what the transmitter sends with it on and off. Signals are generated: a voice with
/// pauses (1.2 s of speech, 0.8 s of silence), steady white noise, quiet talkers.
@Suite struct SpeechProcessorTests {
    static let rate = 48_000
    static let cycle = 2 * rate
    static let speaking = Int(1.2 * Double(rate))
    /// What the processor delays the audio by (one 10 ms block, speexdsp's overlap-add).
    static let delay = SpeechProcessor.blockSamples

    /// `Signals.speechLike` at `gain`, silent 0.8 s in every 2 s.
    static func talk(seconds: Double, gain: Double = 1) -> [Int16] {
        let voice = Signals.speechLike(seconds: seconds)
        return voice.indices.map { i in i % cycle < speaking ? Int16(clamping: Int((Double(voice[i]) * gain).rounded())) : 0 }
    }

    /// Steady white noise with an RMS of `rms` (a sum of uniforms: close to Gaussian).
    static func noise(count: Int, rms: Double, seed: UInt64 = 3) -> [Int16] {
        var rng = SplitMix64(seed: seed)
        // Four uniforms in -0.5..<0.5 sum to a variance of 4/12.
        let scale = rms / (4.0 / 12).squareRoot()
        return (0..<count).map { _ in
            let v = (0..<4).reduce(0.0) { s, _ in s + rng.unit() - 0.5 }
            return Int16(clamping: Int((v * scale).rounded()))
        }
    }

    static func mix(_ a: [Int16], _ b: [Int16]) -> [Int16] {
        zip(a, b).map { Int16(clamping: Int($0) + Int($1)) }
    }

    /// Input sample ranges well inside the speech (or the pauses) of each cycle from `from`
    /// seconds on: 100 ms in from each edge, 150 ms after speech for tails to fade.
    static func segments(count: Int, speech: Bool, from seconds: Double) -> [Range<Int>] {
        let margin = rate / 10
        return stride(from: 0, to: count, by: cycle).compactMap { start -> Range<Int>? in
            let r = speech ? (start + margin)..<(start + speaking - margin) : (start + speaking + margin + rate / 20)..<(start + cycle - margin)
            return r.lowerBound >= Int(seconds * Double(rate)) && r.upperBound + delay <= count ? r : nil
        }
    }

    /// RMS level in dBFS of `x` over `ranges` shifted by `shift` samples.
    static func level(_ x: [Int16], _ ranges: [Range<Int>], shift: Int = 0) -> Double {
        var sum = 0.0, n = 0
        for r in ranges {
            for i in r { let v = Double(x[i + shift]); sum += v * v }
            n += r.count
        }
        return AudioLevel.dBFS((sum / Double(max(n, 1))).squareRoot() / 32768)
    }

    /// `input` through a fresh processor in 20 ms frames, as the transmit thread runs it.
    static func process(_ input: [Int16], _ settings: SpeechSettings) throws -> [Int16] {
        let processor = try SpeechProcessor(settings)
        var out: [Int16] = []
        out.reserveCapacity(input.count)
        var frame = [Int16](repeating: 0, count: 960)
        for start in stride(from: 0, through: input.count - 960, by: 960) {
            for k in 0..<960 { frame[k] = input[start + k] }
            try processor.process(&frame)
            out += frame
        }
        return out
    }

    /// The talker with steady noise 15 dB below the speech: ptt's defaults and noise
    /// suppression alone both take the noise in the pauses down by 10 dB or more, and leave
    /// the speech within 6 dB of where it was.
    @Test(arguments: [SpeechSettings(), SpeechSettings(agc: false)])
    func noiseInThePausesGoesDownSpeechStays(settings: SpeechSettings) throws {
        let seconds = 12.0
        let voice = Self.talk(seconds: seconds)
        let speech = Self.segments(count: voice.count, speech: true, from: 6)
        let pauses = Self.segments(count: voice.count, speech: false, from: 6)
        let speechDB = Self.level(voice, speech)
        let noise = Self.noise(count: voice.count, rms: 32768 * AudioLevel.amplitude(dBFS: speechDB - 15))
        let input = Self.mix(voice, noise)
        let output = try Self.process(input, settings)
        let noiseIn = Self.level(input, pauses), noiseOut = Self.level(output, pauses, shift: Self.delay)
        let speechIn = Self.level(input, speech), speechOut = Self.level(output, speech, shift: Self.delay)
        print("speech processing \(settings): noise in the pauses \(noiseIn) → \(noiseOut) dBFS, speech \(speechIn) → \(speechOut) dBFS")
        #expect(noiseOut <= noiseIn - 10, "noise \(noiseIn) → \(noiseOut) dBFS")
        #expect(abs(speechOut - speechIn) <= 6, "speech \(speechIn) → \(speechOut) dBFS")
    }

    /// AGC alone raises a talker 20 dB too quiet toward the level it gives a normal one, and
    /// noise suppression alone does not.
    @Test func agcRaisesAQuietTalkerDenoiseDoesNot() throws {
        let seconds = 12.0
        let floor = Self.noise(count: Int(seconds) * Self.rate, rms: 3)   // a quiet room, not digital silence
        let normal = Self.mix(Self.talk(seconds: seconds), floor)
        let quiet = Self.mix(Self.talk(seconds: seconds, gain: 0.1), floor)
        let speech = Self.segments(count: quiet.count, speech: true, from: 8)
        let quietIn = Self.level(quiet, speech), normalIn = Self.level(normal, speech)
        let agc = SpeechSettings(denoise: false)
        let normalOut = Self.level(try Self.process(normal, agc), speech, shift: Self.delay)
        let raised = Self.level(try Self.process(quiet, agc), speech, shift: Self.delay)
        let denoised = Self.level(try Self.process(quiet, SpeechSettings(agc: false)), speech, shift: Self.delay)
        print("AGC: normal talker \(normalIn) → \(normalOut) dBFS, quiet talker \(quietIn) → \(raised) dBFS; denoise only: \(denoised) dBFS")
        #expect(raised >= quietIn + 10, "quiet talker \(quietIn) → \(raised) dBFS")
        #expect(abs(normalOut - raised) <= 3, "quiet \(raised), normal \(normalOut) dBFS after AGC")
        #expect(abs(denoised - quietIn) <= 3, "denoise alone moved the quiet talker \(quietIn) → \(denoised) dBFS")
    }

    /// AGC alone leaves the noise in the pauses where it is relative to the speech.
    @Test func agcAloneDoesNotSuppressNoise() throws {
        let voice = Self.talk(seconds: 12)
        let speech = Self.segments(count: voice.count, speech: true, from: 6)
        let pauses = Self.segments(count: voice.count, speech: false, from: 6)
        let speechDB = Self.level(voice, speech)
        let input = Self.mix(voice, Self.noise(count: voice.count, rms: 32768 * AudioLevel.amplitude(dBFS: speechDB - 15)))
        let output = try Self.process(input, SpeechSettings(denoise: false))
        let before = Self.level(input, speech) - Self.level(input, pauses)
        let after = Self.level(output, speech, shift: Self.delay) - Self.level(output, pauses, shift: Self.delay)
        #expect(abs(after - before) <= 3, "speech-to-noise \(before) → \(after) dB with AGC alone")
    }

    /// speexdsp prints warnings on stderr for some requests; none of ptt's may (a curses
    /// screen is up while the processor is made).
    @Test func configuringPrintsNothing() throws {
        let path = "/tmp/ptt-speex-stderr-\(getpid())"
        let file = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0o600)
        #expect(file >= 0)
        let saved = dup(2)
        fflush(nil)
        dup2(file, 2)
        for denoise in [false, true] {
            for agc in [false, true] {
                for echoCancel in [false, true] {
                    let processor = try? SpeechProcessor(SpeechSettings(denoise: denoise, agc: agc, echoCancel: echoCancel))
                    var frame = [Int16](repeating: 100, count: 960)
                    try? processor?.process(&frame, farEnd: [Int16](repeating: 50, count: 960))
                    #expect(processor != nil)
                }
            }
        }
        fflush(nil)
        dup2(saved, 2)
        close(saved)
        close(file)
        let printed = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        unlink(path)
        #expect(!printed.contains("warning"), "speexdsp printed: \(printed)")
    }

    /// The processed voice is the voice one 10 ms block later (speexdsp's overlap-add).
    @Test func delaysByOneBlock() throws {
        // 100 ms chirps (300 to 3400 Hz) every 250 ms: no period within the lags searched, as a
        // voiced signal would have.
        let n = Self.rate / 10
        let chirp = (0..<n).map { i -> Double in
            let t = Double(i) / Double(Self.rate)
            let window = 0.5 - 0.5 * Signals.sine(2 * Double.pi * Double(i) / Double(n - 1) + Double.pi / 2)
            return 8000 * window * Signals.sine(2 * Double.pi * (300 * t + 3100 / (2 * 0.1) * t * t))
        }
        let train = (0..<(3 * Self.rate)).map { i in Int16(clamping: Int(i % (Self.rate / 4) < n ? chirp[i % (Self.rate / 4)] : 0)) }
        let voice = Self.mix(train, Self.noise(count: train.count, rms: 30))
        let output = try Self.process(voice, SpeechSettings())
        let probe = Array(voice[Self.rate..<(Self.rate + 9600)])
        let later = Array(output[Self.rate...])
        let (correlation, lag) = Signals.bestCorrelation(probe, later, maxLag: 1200, head: 9600)
        #expect(lag == Self.delay, "best lag \(lag) samples")
        #expect(correlation > 0.9, "correlation \(correlation)")
    }

    /// What ptt asks for is what speexdsp holds (the shim passes each request the argument
    /// type speexdsp reads); the AGC reports the gain it applies.
    @Test func settingsReachSpeexdsp() throws {
        let custom = SpeechSettings(denoise: true, agc: true, noiseSuppressDB: -20, agcLevel: 12000, agcMaxGainDB: 24)
        #expect(try SpeechProcessor(custom).configured == custom)
        #expect(try SpeechProcessor().configured == SpeechSettings())
        let denoiseOnly = try #require(try SpeechProcessor(SpeechSettings(agc: false)).configured)
        #expect(denoiseOnly.denoise && !denoiseOnly.agc && denoiseOnly.noiseSuppressDB == -30)
        let agcOnly = try #require(try SpeechProcessor(SpeechSettings(denoise: false)).configured)
        #expect(!agcOnly.denoise && agcOnly.agc && agcOnly.agcLevel == 20000 && agcOnly.agcMaxGainDB == 30)

        let processor = try SpeechProcessor(SpeechSettings(denoise: false))
        let quiet = Self.mix(Self.talk(seconds: 8, gain: 0.1), Self.noise(count: 8 * Self.rate, rms: 3))
        var frame = [Int16](repeating: 0, count: 960)
        for start in stride(from: 0, through: quiet.count - 960, by: 960) {
            for k in 0..<960 { frame[k] = quiet[start + k] }
            try processor.process(&frame)
        }
        #expect((15...30).contains(processor.agcGainDB), "AGC gain \(processor.agcGainDB) dB for a talker 20 dB too quiet")
        #expect(try SpeechProcessor(SpeechSettings(agc: false)).agcGainDB == 0)
    }

    @Test func framesMustBeWholeBlocks() throws {
        let processor = try SpeechProcessor()
        var odd = [Int16](repeating: 0, count: 500)
        #expect(throws: SpeexError.self) { try processor.process(&odd) }
        for samples in [480, 960, 1920, 2880] {
            var frame = [Int16](repeating: 0, count: samples)
            try processor.process(&frame)
            #expect(SpeechProcessor.accepts(frameSamples: samples))
        }
        #expect(!SpeechSettings.off.isActive && SpeechSettings().isActive)
        #expect(SpeechSettings().denoise && SpeechSettings().agc)
    }

    /// Feeds `frames` through a transmitter in open mode, a frame at a time as capture would,
    /// and returns the packets it sent.
    static func transmit(_ frames: [[Int16]], mode: TalkGate.Mode = .open, processing: SpeechSettings,
                         echoReference: EchoReference? = nil) async throws -> (payloads: [[UInt8]], sentAt: [Int]) {
        let ring = SampleRing(capacity: 48_000)
        let sent = Box<[[UInt8]]>([])
        let index = Box<[Int]>([])
        let fed = Box<Int>(0)
        let tx = try Transmitter(ring: ring, gate: .init(mode: mode), processing: processing, echoReference: echoReference) { f in
            sent.mutate { $0.append(f.payload) }
            index.mutate { $0.append(fed.value) }
        }
        tx.start()
        for (i, frame) in frames.enumerated() {
            fed.mutate { $0 = i }
            ring.write(frame)
            while ring.available > 0 { await pause(100_000) }
            await pause(300_000)
        }
        await pause(20_000_000)
        tx.stop()
        return (sent.value, index.value)
    }

    /// With processing off the transmitter sends exactly what an encoder makes of the
    /// microphone's samples; with it on, something else.
    @Test func offChangesNothing() async throws {
        let voice = Signals.speechLike(seconds: 0.4)
        let frames = (0..<20).map { Array(voice[($0 * 960)..<(($0 + 1) * 960)]) }
        let encoder = try OpusEncoder()
        let direct = try frames.map { try encoder.encode($0) }
        let off = try await Self.transmit(frames, processing: .off)
        #expect(off.payloads == direct)
        let on = try await Self.transmit(frames, processing: SpeechSettings())
        #expect(on.payloads.count == direct.count && on.payloads != direct)
    }

    /// Vox decides on the cleaned signal: steady noise above the vox threshold keeps the
    /// gate open on the raw microphone, and not once noise suppression has learnt it.
    @Test func voxIgnoresSteadyNoiseOnceSuppressed() async throws {
        let noise = Self.noise(count: 960 * 150, rms: 32768 * AudioLevel.amplitude(dBFS: -34))
        let frames = (0..<150).map { Array(noise[($0 * 960)..<(($0 + 1) * 960)]) }
        let raw = try await Self.transmit(frames, mode: .vox, processing: .off)
        let cleaned = try await Self.transmit(frames, mode: .vox, processing: SpeechSettings())
        let late = { (r: (payloads: [[UInt8]], sentAt: [Int])) in r.sentAt.filter { $0 >= 100 }.count }
        #expect(late(raw) >= 45, "raw: \(late(raw)) of the last 50 frames sent")
        #expect(late(cleaned) == 0, "cleaned: \(late(cleaned)) of the last 50 frames sent")
    }
}
