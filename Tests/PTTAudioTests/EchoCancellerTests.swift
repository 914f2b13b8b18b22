import Foundation
@testable import PTTAudio
import PTTAudioCore
import PTTProtocol
import Testing

/// Echo cancellation through the real speexdsp: a far end played into a room whose microphone
/// hears it back 10 dB down after 50 ms, with a little noise; a near-end talker alone, and
/// both at once. Signals are generated; the far end goes in block for block with the capture,
/// as the transmit thread gives it.
@Suite struct EchoCancellerTests {
    static let rate = 48_000
    /// The room: the far end comes back after 50 ms, 10 dB down.
    static let echoDelay = rate / 20
    static let echoGain = 0.316
    /// What the preprocessor delays the audio by (one block).
    static let delay = SpeechProcessor.blockSamples

    /// The far-end talker: a voice with pauses and some breath noise (so more than its
    /// harmonics is excited), silent 0.8 s in every 2 s.
    static func farTalker(seconds: Double) -> [Int16] {
        let voice = Signals.speechLike(seconds: seconds, f0: 190, seed: 1)
        let breath = SpeechProcessorTests.noise(count: voice.count, rms: 400, seed: 11)
        return voice.indices.map { i in
            i % (2 * rate) < rate * 6 / 5 ? Int16(clamping: Int(voice[i]) + Int(breath[i])) : 0
        }
    }

    /// The near-end talker: another voice, its pauses elsewhere.
    static func nearTalker(seconds: Double) -> [Int16] {
        let voice = Signals.speechLike(seconds: seconds, f0: 120, seed: 3)
        return voice.indices.map { i in (i + rate / 2) % (2 * rate) < rate * 6 / 5 ? voice[i] : 0 }
    }

    /// What the microphone hears of `far`: the echo (and a quiet room's noise).
    static func echo(of far: [Int16], noiseRMS: Double = 5) -> [Int16] {
        let noise = SpeechProcessorTests.noise(count: far.count, rms: noiseRMS, seed: 5)
        return far.indices.map { i in
            let e = i >= echoDelay ? echoGain * Double(far[i - echoDelay]) : 0
            return Int16(clamping: Int(e.rounded()) + Int(noise[i]))
        }
    }

    /// `mic` through a fresh processor in 20 ms frames with `far` beside it, as the transmit thread runs it.
    static func process(_ mic: [Int16], far: [Int16]?, _ settings: SpeechSettings, rests: Bool = true) throws -> [Int16] {
        let processor = try SpeechProcessor(settings)
        processor.restsWhenQuiet = rests
        var out: [Int16] = []
        out.reserveCapacity(mic.count)
        var frame = [Int16](repeating: 0, count: 960)
        var farFrame = [Int16](repeating: 0, count: 960)
        for start in stride(from: 0, through: mic.count - 960, by: 960) {
            for k in 0..<960 { frame[k] = mic[start + k] }
            if let far {
                for k in 0..<960 { farFrame[k] = far[start + k] }
                try processor.process(&frame, farEnd: farFrame)
            } else {
                try processor.process(&frame)
            }
            out += frame
        }
        return out
    }

    /// Power of `x[range]` (shifted by `shift`), as a sum of squares.
    static func power(_ x: [Int16], _ range: Range<Int>, shift: Int = 0) -> Double {
        var sum = 0.0
        for i in range { let v = Double(x[i + shift]); sum += v * v }
        return sum / Double(max(range.count, 1))
    }

    static func dB(_ ratio: Double) -> Double { 10 * log10(ratio) }

    /// After 2 s of the far end talking, what comes out of the microphone is at least 20 dB
    /// below the echo that went in (ERLE) with the canceller and the preprocessor's residual
    /// echo suppression, and not far from it with the canceller alone. (AGC off: it levels
    /// whatever is left unless held, see `agcDoesNotRaiseTheEcho`.)
    @Test(arguments: [(SpeechSettings(agc: false), 20.0), (SpeechSettings(denoise: false, agc: false), 17.0)])
    func echoIsCancelled(settings: SpeechSettings, least: Double) throws {
        let far = Self.farTalker(seconds: 10)
        let mic = Self.echo(of: far)
        let out = try Self.process(mic, far: far, settings)
        let after = (2 * Self.rate)..<(out.count - Self.delay)
        let erle = Self.dB(Self.power(mic, after) / max(Self.power(out, after, shift: Self.delay), 1e-9))
        let perSecond = (0..<9).map { k in
            let r = (k * Self.rate)..<((k + 1) * Self.rate)
            return Int(Self.dB(Self.power(mic, r) / max(Self.power(out, r, shift: Self.delay), 1e-9)).rounded())
        }
        print("echo cancellation, \(settings.summary): ERLE \(erle) dB after 2 s; second by second \(perSecond) dB")
        #expect(erle >= least, "ERLE \(erle) dB")
    }

    /// With ptt's defaults (the AGC on) the echo goes as well: while the speakers play, and
    /// for the echo tail after, the AGC may not raise its gain, so it does not take the echo
    /// for a quiet talker to be raised (without that hold the echo came out 4.7 dB louder than
    /// it went in). Without the canceller the AGC raises the echo.
    @Test func agcDoesNotRaiseTheEcho() throws {
        let far = Self.farTalker(seconds: 10)
        let mic = Self.echo(of: far)
        let after = (2 * Self.rate)..<(mic.count - Self.delay)
        let with = Self.dB(Self.power(mic, after) / max(Self.power(try Self.process(mic, far: far, SpeechSettings()), after, shift: Self.delay), 1e-9))
        let without = Self.dB(Self.power(mic, after) / max(Self.power(try Self.process(mic, far: far, SpeechSettings(echoCancel: false)), after, shift: Self.delay), 1e-9))
        print("echo with ptt's defaults: ERLE \(with) dB; without echo cancellation \(without) dB")
        #expect(with >= 17, "ERLE \(with) dB with ptt's defaults")
        #expect(without < 0, "without the canceller: \(without) dB")
    }

    /// Once the speakers are quiet, the AGC raises a quiet near-end talker as it does with
    /// nothing ever played (the hold ends with the echo tail).
    @Test func agcRaisesAQuietTalkerAfterThePlayback() throws {
        let seconds = 14
        let count = seconds * Self.rate
        let farVoice = Self.farTalker(seconds: Double(seconds))
        let far = (0..<count).map { $0 < 4 * Self.rate ? farVoice[$0] : 0 }
        let quiet = Self.nearTalker(seconds: Double(seconds)).enumerated().map { i, v in i < 5 * Self.rate ? 0 : Int16(Double(v) * 0.1) }
        let mic = SpeechProcessorTests.mix(Self.echo(of: far), quiet)
        let processor = try SpeechProcessor()
        let reference = try SpeechProcessor(SpeechSettings(echoCancel: false))
        var frame = [Int16](repeating: 0, count: 960), plain = frame
        var gainWhilePlaying = 0
        for start in stride(from: 0, through: count - 960, by: 960) {
            for k in 0..<960 { frame[k] = mic[start + k]; plain[k] = quiet[start + k] }
            try processor.process(&frame, farEnd: Array(far[start..<(start + 960)]))
            try reference.process(&plain)
            if start < 4 * Self.rate { gainWhilePlaying = max(gainWhilePlaying, processor.agcGainDB) }
        }
        print("AGC: at most \(gainWhilePlaying) dB while the speakers played; \(processor.agcGainDB) dB for the quiet talker after, \(reference.agcGainDB) dB with nothing ever played")
        #expect(gainWhilePlaying <= 1)
        #expect(abs(processor.agcGainDB - reference.agcGainDB) <= 3 && processor.agcGainDB >= 12)
    }

    /// With nothing played, a near-end talker passes within a few dB of where it would without
    /// the canceller, and of the input (AGC off). (Not sample for sample: speexdsp's canceller
    /// takes out DC with a notch that turns the phase of the lowest tones, near 100 Hz.)
    @Test func nearEndAlonePasses() throws {
        let seconds = 8.0
        let near = SpeechProcessorTests.mix(Self.nearTalker(seconds: seconds), SpeechProcessorTests.noise(count: Int(seconds) * Self.rate, rms: 5))
        let silence = [Int16](repeating: 0, count: near.count)
        let span = (2 * Self.rate)..<(near.count - Self.delay)
        let input = Self.dB(Self.power(near, span))
        for agc in [false, true] {
            let with = Self.dB(Self.power(try Self.process(near, far: silence, SpeechSettings(agc: agc)), span, shift: Self.delay))
            let without = Self.dB(Self.power(try Self.process(near, far: nil, SpeechSettings(agc: agc, echoCancel: false)), span, shift: Self.delay))
            print("near end alone, AGC \(agc): input \(input) dB, with echo cancellation \(with) dB, without \(without) dB")
            #expect(abs(with - without) <= 2, "with \(with), without \(without) dB")
            if !agc { #expect(abs(with - input) <= 3, "input \(input), output \(with) dB") }
        }
    }

    /// Both talk at once after the canceller has converged on the far end alone: the near end
    /// stays recognisable (the output correlates with what the same processing makes of the
    /// near end alone, its level within a few dB of that), and the echo is still taken down.
    @Test(arguments: [SpeechSettings(agc: false), SpeechSettings(denoise: false, agc: false)])
    func doubleTalkKeepsTheNearEnd(settings: SpeechSettings) throws {
        let seconds = 10.0
        let count = Int(seconds) * Self.rate
        let far = Self.farTalker(seconds: seconds)
        // The near end starts at 3 s.
        let nearVoice = Self.nearTalker(seconds: seconds)
        let near = (0..<count).map { $0 < 3 * Self.rate ? 0 : nearVoice[$0] }
        let echo = Self.echo(of: far)
        let mic = SpeechProcessorTests.mix(echo, near)
        let out = try Self.process(mic, far: far, settings)
        // The near end as the same processing gives it with nothing played, the canceller kept
        // running (resting, it would leave out its DC notch, which turns the phase of the lowest
        // tones).
        let alone = try Self.process(SpeechProcessorTests.mix(near, SpeechProcessorTests.noise(count: count, rms: 5, seed: 5)),
                                     far: [Int16](repeating: 0, count: count), settings, rests: false)
        // Where both talk, from 4 s on.
        let both = (4 * Self.rate..<count - Self.delay).filter { i in
            let f = i % (2 * Self.rate) < Self.rate * 6 / 5, n = (i + Self.rate / 2) % (2 * Self.rate) < Self.rate * 6 / 5
            return f && n
        }
        let nearIn = Array(both.map { near[$0] }), micIn = Array(both.map { mic[$0] }), outAt = Array(both.map { out[$0 + Self.delay] })
        let echoIn = Array(both.map { echo[$0] }), aloneAt = Array(both.map { alone[$0 + Self.delay] })
        let kept = Signals.correlation(aloneAt, outAt, lag: 0)
        let raw = Signals.correlation(nearIn, micIn, lag: 0)
        let echoLeft = Signals.correlation(echoIn, outAt, lag: 0)
        let echoRaw = Signals.correlation(echoIn, micIn, lag: 0)
        let levelIn = Self.dB(Signals.energy(aloneAt) / Double(aloneAt.count)), levelOut = Self.dB(Signals.energy(outAt) / Double(outAt.count))
        print("double talk, \(settings.summary): near-end correlation \(raw) in the microphone, \(kept) out (with the near end processed alone); echo correlation \(echoRaw) → \(echoLeft); near end \(levelIn) dB → \(levelOut) dB out")
        #expect(kept >= 0.9, "near-end correlation \(kept)")
        #expect(abs(levelOut - levelIn) <= 4, "near end \(levelIn) → \(levelOut) dB")
        #expect(echoLeft < echoRaw / 2, "echo correlation \(echoRaw) → \(echoLeft)")
    }

    /// Echo cancellation off: the far end is ignored, the output is bit for bit what the
    /// preprocessor alone makes; and a canceller given silence is one given no far end.
    @Test func offChangesNothing() throws {
        let far = Self.farTalker(seconds: 3)
        let mic = SpeechProcessorTests.mix(Self.echo(of: far), Self.nearTalker(seconds: 3))
        for settings in [SpeechSettings(echoCancel: false), SpeechSettings(denoise: false, echoCancel: false)] {
            #expect(try Self.process(mic, far: far, settings) == Self.process(mic, far: nil, settings))
        }
        let silence = [Int16](repeating: 0, count: mic.count)
        #expect(try Self.process(mic, far: silence, SpeechSettings()) == Self.process(mic, far: nil, SpeechSettings()))
        #expect(try Self.process(mic, far: far, SpeechSettings()) != Self.process(mic, far: nil, SpeechSettings()))
        #expect(try !SpeechProcessor(SpeechSettings(echoCancel: false)).cancelsEcho && SpeechProcessor().cancelsEcho)
        var frame = [Int16](repeating: 0, count: 960)
        #expect(throws: SpeexError.self) { try SpeechProcessor().process(&frame, farEnd: [Int16](repeating: 0, count: 480)) }
    }

    /// The transmitter with echo cancellation off sends the same packets whether or not it
    /// is given a far end.
    @Test func transmitterWithCancelOffIgnoresTheFarEnd() async throws {
        let far = Self.farTalker(seconds: 0.4)
        let mic = SpeechProcessorTests.mix(Self.echo(of: far), Self.nearTalker(seconds: 0.4))
        let frames = (0..<20).map { Array(mic[($0 * 960)..<(($0 + 1) * 960)]) }
        let settings = SpeechSettings(echoCancel: false)
        let reference = EchoReference()
        reference.played(far, frames: far.count, channels: 1)
        let with = try await SpeechProcessorTests.transmit(frames, processing: settings, echoReference: reference)
        let without = try await SpeechProcessorTests.transmit(frames, processing: settings)
        #expect(with.payloads == without.payloads && with.payloads.count == 20)
    }

    /// The hand-off: stereo is summed to mono, a far end that is short is padded with silence,
    /// a far end that piled up (capture stalled) is cut back to the newest.
    @Test func referenceHandOff() {
        let reference = EchoReference(maxLagMillis: 40, resumeLagMillis: 10)
        reference.played([100, 1, 200, 2, 300, 3], frames: 3, channels: 2)
        var frame = [Int16](repeating: 7, count: 5)
        reference.take(into: &frame)
        #expect(frame == [101, 202, 303, 0, 0])
        #expect(reference.shortCount == 1 && reference.available == 0)
        // 100 ms played while nothing was captured: 40 ms may wait beyond the frame; more is
        // cut back to 10 ms beyond it, the oldest dropped.
        let played = (0..<4800).map { Int16($0 % 30_000) }
        reference.played(played, frames: 4800, channels: 1)
        var block = [Int16](repeating: 0, count: 960)
        reference.take(into: &block)
        #expect(reference.trimCount == 1 && reference.available == 480)
        #expect(block[0] == played[4800 - 960 - 480] && block[959] == played[4800 - 480 - 1])
        reference.take(into: &block)
        #expect(reference.shortCount == 2 && reference.trimCount == 1 && block[0] == played[4800 - 480] && block[480] == 0)
        // Clipping, not wrapping, when two loud channels sum.
        reference.played([30_000, 30_000], frames: 1, channels: 2)
        var one = [Int16](repeating: 0, count: 1)
        reference.take(into: &one)
        #expect(one == [Int16.max])
    }

    /// What a simulated run of the hand-off gave: the microphone, the processed output, and the
    /// leads `EchoReference` estimated after the first 3 s.
    struct HandOffRun {
        var mic: [Int16]
        var out: [Int16]
        var leads: [Int]
    }

    /// The threads' timing simulated in 10 ms ticks: playback pulls 40 ms at a time (as a
    /// PulseAudio device does), the echo of what it rendered reaches the microphone `lag`
    /// samples later, 10 dB down, capture delivers 10 ms periods and the transmit thread takes
    /// 20 ms frames (which of the two threads runs first in a tick is random). At `stallSecond`
    /// capture stalls for 100 ms and then delivers it all at once, or with `overrun` loses it.
    static func handOff(seconds: Int, lag: Int, reference: EchoReference, clock: ManualClock, stallSecond: Int,
                        overrun: Bool = false, seed: UInt64) throws -> HandOffRun {
        let far = farTalker(seconds: Double(seconds + 1))
        let mic = SpeechProcessorTests.mix((0..<(seconds * rate)).map { j in
            j >= lag ? Int16(clamping: Int((echoGain * Double(far[j - lag])).rounded())) : 0
        }, SpeechProcessorTests.noise(count: seconds * rate, rms: 5, seed: 5))
        let processor = try SpeechProcessor(SpeechSettings(agc: false))
        var rng = SplitMix64(seed: seed)
        var delivered = 0, taken = 0
        var run = HandOffRun(mic: mic, out: [], leads: [])
        var frame = [Int16](repeating: 0, count: 960), farEnd = [Int16](repeating: 0, count: 960)
        let stall = (stallSecond * 100)..<(stallSecond * 100 + 10)   // ticks
        for tick in 0..<(seconds * 100) {
            clock.advance(by: 10 * .millisecond)
            let playback = {
                if tick % 4 == 0 {
                    let start = tick * 480
                    reference.played(Array(far[start..<(start + 1920)]), frames: 1920, channels: 1)
                }
            }
            let transmit = {
                if !stall.contains(tick) { delivered = tick * 480 }
                if overrun && tick == stall.upperBound { taken += 4800 }   // what the stall held is lost
                while delivered - taken >= 960 {
                    for k in 0..<960 { frame[k] = mic[taken + k] }
                    reference.take(into: &farEnd, captureBacklog: delivered - taken - 960)
                    try? processor.process(&frame, farEnd: farEnd)
                    if tick > 300, let lead = reference.lead { run.leads.append(lead) }
                    run.out += frame
                    taken += 960
                }
            }
            if rng.unit() < 0.5 { playback(); transmit() } else { transmit(); playback() }
        }
        return run
    }

    /// ERLE of `run` from second `from` to `to`, in dB; `lost` samples of the microphone went
    /// missing at `lostAt` seconds (later output goes with later microphone samples).
    static func erle(_ run: HandOffRun, _ from: Int, _ to: Int, lost: Int = 0, lostAt: Int = .max) -> Double {
        let r = (from * rate)..<min(to * rate, run.out.count - delay - lost)
        return dB(power(run.mic, r, shift: from >= lostAt ? lost : 0) / max(power(run.out, r, shift: delay), 1e-9))
    }

    /// Through the hand-off with the echo 50 ms after the mix (40 ms of queue, 10 ms of room and
    /// devices), without device delays: the canceller converges, and again after a capture
    /// stall, without the far end drifting away from its echo.
    @Test func throughTheHandOff() throws {
        let reference = EchoReference()
        let run = try Self.handOff(seconds: 12, lag: 2400, reference: reference, clock: ManualClock(1), stallSecond: 6, seed: 42)
        let before = Self.erle(run, 2, 6), after = Self.erle(run, 8, 12)
        print("through the hand-off: ERLE \(before) dB from 2 to 6 s, \(after) dB from 8 s (stall at 6 s); far end short \(reference.shortCount) times, cut back \(reference.trimCount) times")
        #expect(before >= 15, "ERLE \(before) dB before the stall")
        #expect(after >= 15, "ERLE \(after) dB after the stall")
        #expect(reference.trimCount <= 2 && reference.shortCount <= 10)
    }

    /// The hand-off with the devices' delays and deep device buffers: the echo reaches the
    /// microphone 180 ms after its far end was mixed, past the canceller's 100 ms tail. From the
    /// delays the devices report, the far end is moved back to just ahead of its echo and the
    /// echo is cancelled; without them it is not. A capture stall later does not move it; an
    /// overrun that loses 100 ms of the microphone does, and it is moved back.
    @Test(arguments: [(true, false), (false, false), (true, true)])
    func alignedByTheDevicesDelays(withDelays: Bool, overrun: Bool) throws {
        let lag = 8640   // 180 ms from the mix to the microphone
        let room = 480   // of which 10 ms are the room (and the speaker and microphone)
        let clock = ManualClock(1)
        let reference = EchoReference(clock: clock)
        // Just after a 40 ms pull, its last sample is heard 40 ms + the lag − the room later.
        if withDelays { reference.alignUsing { (1920 + lag - room, 0) } }
        let run = try Self.handOff(seconds: 12, lag: lag, reference: reference, clock: clock, stallSecond: 7, overrun: overrun, seed: 7)
        let lost = overrun ? 4800 : 0
        let before = Self.erle(run, 3, 7, lost: lost, lostAt: 7), after = Self.erle(run, 9, 12, lost: lost, lostAt: 7)
        let mean = run.leads.isEmpty ? 0 : run.leads.reduce(0, +) / run.leads.count
        print("aligned \(withDelays), overrun \(overrun): ERLE \(before) dB from 3 to 7 s, \(after) dB from 9 s; padded \(reference.padCount), dropped \(reference.trimCount), short \(reference.shortCount); mean lead \(mean)")
        if overrun {
            // One move at the start, one after the overrun (the far end that went with the lost
            // microphone is dropped).
            #expect(before >= 15 && after >= 15, "ERLE \(before), \(after) dB")
            #expect(reference.padCount == 1 && reference.trimCount == 1, "padded \(reference.padCount), dropped \(reference.trimCount)")
        } else if withDelays {
            #expect(before >= 15 && after >= 15, "ERLE \(before), \(after) dB")
            // Once aligned, the lead stays in its band through the stall: one move at the start.
            #expect(reference.padCount == 1 && reference.trimCount == 0, "padded \(reference.padCount), dropped \(reference.trimCount)")
            #expect(abs(mean - 720) <= 480, "mean lead \(mean)")
        } else {
            #expect(before < 6 && after < 6, "ERLE \(before), \(after) dB without the delays")
        }
    }

    /// With the device delays known, far end that was not there yet when a frame was taken
    /// (the playback thread a little late) is silence in that frame and dropped when it comes:
    /// the next frame gets the far end that goes with it, not the late part of the last.
    @Test func shortTakeKeepsThePairing() {
        let reference = EchoReference(clock: ManualClock(1))
        reference.alignUsing { (960, 0) }
        reference.played((0..<480).map { Int16($0) }, frames: 480, channels: 1)
        var frame = [Int16](repeating: 7, count: 960)
        reference.take(into: &frame)
        #expect(Array(frame[0..<480]) == (0..<480).map { Int16($0) } && frame[480] == 0 && frame[959] == 0)
        reference.played((480..<1920).map { Int16($0) }, frames: 1440, channels: 1)
        reference.take(into: &frame)
        #expect(frame[0] == 960 && frame[959] == 1919, "\(frame[0]) … \(frame[959])")
        #expect(reference.shortCount == 1 && reference.available == 0)
    }

    /// While the speakers are quiet for longer than the tail, the canceller rests (the
    /// cleaning costs what it does without it); when they play again it runs, with what it
    /// had learnt.
    @Test func cancellerRestsWhileNothingPlays() throws {
        let far = Self.farTalker(seconds: 10)
        let quiet = (0..<(10 * Self.rate)).map { i in i >= 4 * Self.rate && i < 7 * Self.rate ? Int16(0) : far[i] }
        let mic = Self.echo(of: quiet)
        let processor = try SpeechProcessor(SpeechSettings(agc: false))
        var frame = [Int16](repeating: 0, count: 960)
        var blocksAt: [Int] = []
        for start in stride(from: 0, through: mic.count - 960, by: 960) {
            for k in 0..<960 { frame[k] = mic[start + k] }
            try processor.process(&frame, farEnd: Array(quiet[start..<(start + 960)]))
            if start == 4 * Self.rate || start == 7 * Self.rate - 960 { blocksAt.append(processor.cancelledBlocks) }
        }
        // Three quiet seconds (300 blocks): the tail's 10, and the pause the far talker had there anyway.
        #expect(blocksAt.count == 2 && blocksAt[1] - blocksAt[0] <= 12, "blocks \(blocksAt)")
        let r = (8 * Self.rate)..<(10 * Self.rate - Self.delay)
        let out = try Self.process(mic, far: quiet, SpeechSettings(agc: false))
        let erle = Self.dB(Self.power(mic, r) / max(Self.power(out, r, shift: Self.delay), 1e-9))
        #expect(erle >= 20, "ERLE \(erle) dB after the rest")
    }

    /// What ptt asks the canceller for is what speexdsp holds.
    @Test func settingsReachSpeexdsp() throws {
        let configured = try #require(try SpeechProcessor(SpeechSettings(echoTailMillis: 300)).configured)
        #expect(configured.echoCancel && configured.echoTailMillis == 300)
        #expect(SpeechSettings().echoTailMillis == 100)
        #expect(try SpeechProcessor(SpeechSettings(echoCancel: false)).configured?.echoCancel == false)
        #expect(throws: SpeexError.self) { try SpeechProcessor(SpeechSettings(echoTailMillis: 5)) }
        #expect(SpeechSettings().summary == "noise suppression, AGC and echo cancellation")
        #expect(SpeechSettings(denoise: false, agc: false).summary == "echo cancellation only")
        #expect(SpeechSettings(echoCancel: false).summary == "noise suppression and AGC")
        #expect(SpeechSettings.off.summary == "as captured" && !SpeechSettings.off.echoCancel)
    }
}
