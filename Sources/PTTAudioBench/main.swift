// Measurements for BENCHMARKS.md, driven by scripts/bench-audio.sh (`make bench-audio`).
//   PTTAudioBench codec <speech.raw> [complexity]       encode/decode µs per 20 ms frame
//   PTTAudioBench loss <speech.raw> <percent> <seed> <out.raw> <expected-loss> [jitter-us] [complexity]
//                                                       encode (FEC sized for expected-loss %) → random loss
//                                                       → jitter buffer → decode
//   (complexity: the encoder's, 0-10; ptt's default when left out)
//   PTTAudioBench cpu <speech.raw> <seconds>            live path: ALSA capture + encode, 3 speakers mixed to ALSA playback
//   PTTAudioBench preroll                               when the first voiced frame leaves, per pre-roll
//   PTTAudioBench processing [speech.raw]               noise suppression + AGC: CPU µs per 20 ms frame
//   PTTAudioBench quality <speech.raw> <outdir>         the cleaning's effect: noise in pauses, speech
//                                                       level, echo return loss enhancement; writes the
//                                                       noisy input and its cleaned version for PESQ
//                                                       (a generated voice over noise when no file is given)
// Raw files: 48 kHz mono S16_LE.
import Glibc
import PTTAudio
import PTTProtocol
import PTTAudioCore
import PTTSystem

func fail(_ message: String) -> Never {
    // On fd 2: stdout carries the measurements the bench script parses.
    let line = Array("PTTAudioBench: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(2)
}

func readRaw(_ path: String) -> [Int16] {
    guard let f = fopen(path, "rb") else { fail("cannot read \(path)") }
    defer { fclose(f) }
    var out: [Int16] = []
    var chunk = [Int16](repeating: 0, count: 65_536)
    while true {
        let n = chunk.withUnsafeMutableBufferPointer { fread($0.baseAddress, 2, 65_536, f) }
        if n == 0 { break }
        out += chunk[0..<n]
    }
    return out
}

func writeRaw(_ path: String, _ samples: [Int16]) {
    guard let f = fopen(path, "wb") else { fail("cannot write \(path)") }
    defer { fclose(f) }
    samples.withUnsafeBufferPointer { p in _ = fwrite(p.baseAddress, 2, p.count, f) }
}

func frames(_ pcm: [Int16], _ n: Int) -> [[Int16]] {
    (0..<(pcm.count / n)).map { Array(pcm[($0 * n)..<(($0 + 1) * n)]) }
}

func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
}

func maxRSSMiB() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_maxrss) / 1024
}

/// ptt's encoder settings, with `complexity` instead of the default when given.
func settings(complexity: Int?) -> OpusSettings {
    var s = OpusSettings()
    if let complexity { s.complexity = complexity }
    if let problem = s.problem { fail(problem) }
    return s
}

func codec(_ path: String, complexity: Int?) throws {
    let pcm = readRaw(path)
    let enc = try OpusEncoder(settings(complexity: complexity))
    let input = frames(pcm, enc.frameSamples)
    var packets: [[UInt8]] = []
    let rounds = 5
    var t0 = MonotonicClock.now()
    for r in 0..<rounds {
        try enc.reset()
        for f in input {
            let p = try enc.encode(f)
            if r == 0 { packets.append(p) }
        }
    }
    let encodeMicros = Double(MonotonicClock.now() - t0) / 1000 / Double(rounds * input.count)
    t0 = MonotonicClock.now()
    for _ in 0..<rounds {
        let dec = try OpusDecoder()
        for p in packets { _ = try dec.decode(p) }
    }
    let decodeMicros = Double(MonotonicClock.now() - t0) / 1000 / Double(rounds * packets.count)
    let bytes = packets.reduce(0) { $0 + $1.count }
    let kbps = Double(bytes * 8) / (Double(packets.count) * 0.02) / 1000
    print("frames \(input.count)")
    print("encode_us_per_frame \(format3(encodeMicros))")
    print("decode_us_per_frame \(format3(decodeMicros))")
    print("bitrate_kbps \(format3(kbps))")
}

func format2(_ v: Double) -> String {
    String((v * 100).rounded() / 100)
}

func format3(_ v: Double) -> String {
    let scaled = (v * 10).rounded() / 10
    return String(scaled)
}

/// The receive path's jitter buffer and decoder on a simulated clock: frames sent every 20 ms,
/// a random share lost, the rest arriving with 0 to `jitterMicros` of jitter, pulled a frame
/// at a time every 20 ms. A client pulls per device period and conceals an underrun only for
/// the period's shortfall (`Receiver`); here an underrun conceals a whole frame, so this is
/// the coarser, pessimistic case.
func loss(_ path: String, percent: Double, seed: UInt64, out: String, expectedLoss: Int, jitterMicros: Int, complexity: Int?) throws {
    let pcm = readRaw(path)
    var settings = settings(complexity: complexity)
    settings.expectedLossPercent = expectedLoss
    let enc = try OpusEncoder(settings)
    let dec = try OpusDecoder()
    var rng = SplitMix64(seed: seed)
    let input = frames(pcm, enc.frameSamples)
    var arrivals: [(Int, AudioFrame)] = []
    var lost = 0
    for (i, f) in input.enumerated() {
        let flags: AudioFrame.Flags = i == 0 ? .start : (i == input.count - 1 ? .end : [])
        let frame = AudioFrame(source: 1, seq: UInt16(truncatingIfNeeded: i), flags: flags, payload: try enc.encode(f))
        if i > 0 && i < input.count - 1 && rng.unit() * 100 < percent { lost += 1; continue }
        arrivals.append((i * 20_000 + (jitterMicros > 0 ? Int(rng.next() % UInt64(jitterMicros)) : 0), frame))
    }
    arrivals.sort { $0.0 < $1.0 }
    var jb = JitterBuffer()
    var output: [Int16] = []
    var pending = arrivals[...]
    var tick = 0
    while tick < input.count + 100 {
        let now = tick * 20_000
        while let (t, f) = pending.first, t <= now {
            jb.insert(f, at: UInt64(t) * 1_000)
            pending = pending.dropFirst()
        }
        let action = jb.next(at: UInt64(now) * 1_000)
        let samples = try dec.perform(action, frameSamples: jb.frameSamples)
        output += samples.isEmpty ? [Int16](repeating: 0, count: 960) : samples
        tick += 1
    }
    writeRaw(out, output)
    let s = jb.statistics
    print("sent \(input.count) dropped \(lost) lost \(s.lost) recovered_fec \(s.recovered) concealed \(s.concealed) late \(s.late) underruns \(s.underruns) quiet_dropped \(s.dropped)")
}

/// The live audio path for `seconds`: ALSA capture (file plugin, paced) → gate (open) →
/// encoder, and three remote speakers fed at real-time pace into the receiver, mixed and
/// played to ALSA. Reports process CPU over the measured span and peak RSS.
func cpu(_ path: String, seconds: Double) throws {
    let speech = readRaw(path)
    let enc = try OpusEncoder()
    let packets = try frames(speech, 960).map { try enc.encode($0) }
    let capture = CaptureEngine(device: "default", periodMillis: 10)
    let sentCount = Counter()
    let tx = try Transmitter(ring: capture.ring, gate: .init(mode: .open)) { _ in sentCount.add() }
    let receiver = Receiver()
    let playback = PlaybackEngine(device: "default", periodMillis: 10) { buffer, frames in
        receiver.render(into: &buffer, frames: frames)
    }
    playback.start(); tx.start(); capture.start()
    // Three speakers, each one frame per 20 ms, offset in the file so they differ.
    let warmup = 1.0
    let start = MonotonicClock.now()
    var cpuStart = 0.0
    var measuredFrom: UInt64 = 0
    var i = 0
    while true {
        let due = start + UInt64(i) * 20_000_000
        MonotonicClock.sleep(nanos: elapsed(from: MonotonicClock.now(), to: due))
        let sinceStart = Double(MonotonicClock.now() - start) / 1e9
        if measuredFrom == 0 && sinceStart >= warmup {
            cpuStart = cpuSeconds()
            measuredFrom = MonotonicClock.now()
        }
        if sinceStart >= warmup + seconds { break }
        for s in 0..<3 {
            let p = packets[(i + s * 37) % packets.count]
            receiver.receive(AudioFrame(source: UInt32(10 + s), seq: UInt16(truncatingIfNeeded: i), flags: i == 0 ? .start : [], payload: p))
        }
        i += 1
    }
    let cpuUsed = cpuSeconds() - cpuStart
    let wall = Double(MonotonicClock.now() - measuredFrom) / 1e9
    let active = receiver.activeSpeakers.count
    capture.stop(); tx.stop(); playback.stop()
    print("wall_s \(format3(wall))")
    print("cpu_ms \(format3(cpuUsed * 1000))")
    print("cpu_percent_of_one_core \(format2(cpuUsed / wall * 100))")
    print("speakers_active \(active) frames_sent \(sentCount.value) capture_xruns \(capture.xruns) playback_xruns \(playback.xruns)")
    print("max_rss_mib \(format3(maxRSSMiB()))")
}

/// The microphone's cleaning (`SpeechProcessor`) over 20 ms frames of `path` (or of a
/// generated 140 Hz voice over white noise), several rounds: noise suppression and AGC, then
/// ptt's defaults (with echo cancellation, the far end being the same audio 1.5 s on, echoed
/// into the microphone); the per-frame cost and its share of one core in real time.
func processing(_ path: String?) throws {
    var pcm: [Int16]
    if let path {
        pcm = readRaw(path)
    } else {
        var rng = SplitMix64(seed: 7)
        pcm = (0..<(48_000 * 20)).map { i in
            let t = Double(i) / 48_000
            let syllable = 0.5 + 0.5 * cos(2 * Double.pi * 3.1 * t)
            let voice = (1...12).reduce(0.0) { $0 + sin(2 * Double.pi * 140 * Double($1) * t) / Double($1) } * syllable * 5000
            return Int16(clamping: Int(voice + (rng.unit() - 0.5) * 1000))
        }
    }
    let input = frames(pcm, 960)
    guard !input.isEmpty else { fail("processing: no whole 20 ms frame in the input") }
    let rounds = 5
    // The far end for echo cancellation: the same audio 1.5 s on, and the microphone hears
    // it back 10 dB down after 50 ms over its own talker (double talk throughout: the
    // canceller's most expensive case is no cheaper than this).
    let far = frames((0..<pcm.count).map { pcm[($0 + 72_000) % pcm.count] }, 960)
    let flat = far.flatMap { $0 }
    let mic = input.enumerated().map { f, frame in
        frame.enumerated().map { k, v in
            let i = f * 960 + k - 2400
            return Int16(clamping: Int(v) + (i >= 0 ? Int(flat[i]) * 316 / 1000 : 0))
        }
    }
    // ptt's defaults, and again with the canceller kept running through the far end's pauses
    // (as if the speakers never stopped: its highest cost).
    for (name, settings, rests) in [("process", SpeechSettings(echoCancel: false), true), ("echo_process", SpeechSettings(), true),
                                    ("echo_busy_process", SpeechSettings(), false)] {
        var frame = [Int16](repeating: 0, count: 960)
        let source = settings.echoCancel ? mic : input
        // CPU time (the process runs this one thread), so that other work on the machine does not
        // count; wall time beside it.
        let cpu0 = cpuSeconds(), wall0 = MonotonicClock.now()
        for _ in 0..<rounds {
            let processor = try SpeechProcessor(settings)
            processor.restsWhenQuiet = rests
            for (f, samples) in source.enumerated() {
                frame.withUnsafeMutableBufferPointer { dst in samples.withUnsafeBufferPointer { src in
                    for k in 0..<960 { dst[k] = src[k] }
                } }
                if settings.echoCancel { try processor.process(&frame, farEnd: far[f]) } else { try processor.process(&frame) }
            }
        }
        let n = Double(rounds * source.count)
        let micros = (cpuSeconds() - cpu0) * 1e6 / n
        let wallMicros = Double(MonotonicClock.now() - wall0) / 1000 / n
        print("\(name): \(settings.summary)")
        print("frames \(rounds * source.count)")
        print("\(name)_cpu_us_per_frame \(format3(micros)) wall_us_per_frame \(format3(wallMicros))")
        print("\(name)_percent_of_one_core \(format2(micros / 20_000 * 100))")
    }
}

/// What the microphone's cleaning does to speech (48 kHz raw, clean) under the two
/// conditions, with ptt's default settings:
/// - steady white noise 15 dB below the speech's level: the noise left in the speech's pauses
///   (frames where the clean speech is under -50 dBFS) against the noisy input's, and the speech's
///   level (frames over -30 dBFS) against the clean speech's; `noisy.raw` and `cleaned.raw` go to
///   `outdir` for PESQ-WB against the clean speech;
/// - echo: the far end's voice (the same speech) played and heard back at -10 dB after 50 ms,
///   nobody talking near: the echo return loss enhancement after 2 s of convergence, the power
///   of the echo in over the power out, in frames where the far end talks.
func quality(_ path: String, _ outdir: String) throws {
    let clean = readRaw(path)
    let input = frames(clean, 960)
    guard input.count > 200 else { fail("quality: need at least 4 s of speech") }
    func power(_ f: [Int16]) -> Double { f.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, f.count)) }
    func dBFS(_ p: Double) -> Double { 10 * log10(max(p, 1e-3) / (32768.0 * 32768.0)) }
    let voiced = input.indices.filter { dBFS(power(input[$0])) > -30 }
    let pauses = input.indices.filter { dBFS(power(input[$0])) < -50 }
    guard !voiced.isEmpty, !pauses.isEmpty else { fail("quality: the speech needs voiced frames and pauses") }
    let speechPower = voiced.reduce(0.0) { $0 + power(input[$1]) } / Double(voiced.count)
    // White noise 15 dB under the speech: uniform noise of amplitude a has power a²/3.
    let noiseAmplitude = (speechPower / pow(10, 1.5) * 3).squareRoot()
    var rng = SplitMix64(seed: 11)
    let noisy = input.map { f in f.map { Int16(clamping: Int(Double($0) + (rng.unit() * 2 - 1) * noiseAmplitude)) } }
    var settings = SpeechSettings()
    settings.echoCancel = false
    let processor = try SpeechProcessor(settings)
    var cleaned: [[Int16]] = []
    for f in noisy {
        var frame = f
        try processor.process(&frame)
        cleaned.append(frame)
    }
    // The processor works in 10 ms blocks and delays by one: compare frames as they line up.
    let shift = 480
    let flatCleaned = Array(cleaned.joined().dropFirst(shift)) + [Int16](repeating: 0, count: shift)
    let aligned = frames(flatCleaned, 960)
    let skip = 100 // 2 s for the noise estimate and the AGC to settle
    let pauseIn = pauses.filter { $0 >= skip }.reduce(0.0) { $0 + power(noisy[$1]) }
    let pauseOut = pauses.filter { $0 >= skip }.reduce(0.0) { $0 + power(aligned[$1]) }
    let speechIn = voiced.filter { $0 >= skip }.reduce(0.0) { $0 + power(input[$1]) }
    let speechOut = voiced.filter { $0 >= skip }.reduce(0.0) { $0 + power(aligned[$1]) }
    writeRaw("\(outdir)/noisy.raw", noisy.flatMap { $0 })
    writeRaw("\(outdir)/cleaned.raw", flatCleaned)
    print("noise_in_pauses_db \(format2(10 * log10(max(pauseOut, 1) / max(pauseIn, 1)))) speech_level_db \(format2(10 * log10(max(speechOut, 1) / max(speechIn, 1))))")

    // Echo: the far end is the speech; the microphone hears it 10 dB down, 50 ms later.
    let delay = 2400
    let flat = clean
    let mic = input.indices.map { f in (0..<960).map { k -> Int16 in
        let i = f * 960 + k - delay
        return Int16(clamping: i >= 0 ? Int(flat[i]) * 316 / 1000 : 0)
    } }
    let echoProcessor = try SpeechProcessor(SpeechSettings())
    var echoIn = 0.0, echoOut = 0.0
    for (f, m) in mic.enumerated() {
        var frame = m
        try echoProcessor.process(&frame, farEnd: input[f])
        if f >= skip, dBFS(power(input[max(0, f - 3)])) > -30 {
            echoIn += power(m)
            echoOut += power(frame)
        }
    }
    print("erle_db \(format2(10 * log10(max(echoIn, 1) / max(echoOut, 1))))")

    // Voice activation under steady noise, 15 and 5 dB below the speech: vox on the microphone
    // as captured (`--no-processing`), vox on the cleaned microphone (ptt), and a gate on
    // speexdsp's own speech probability (open at 35 %, held while 20 %, its VAD's defaults,
    // with vox's 300 ms hangover). The speech gets 2 s of silence in each pause between
    // phrases (where it was quiet for 100 ms), so that there are pauses to misfire in. Speech
    // frames are where the clean speech is over -30 dBFS, pauses where it is under -50 dBFS
    // and at least 500 ms from speech (past vox's hangover and release tail, before any pre-roll).
    var spaced: [[Int16]] = []
    var quietRun = 0
    for f in input {
        spaced.append(f)
        quietRun = dBFS(power(f)) < -50 ? quietRun + 1 : 0
        if quietRun == 5 { spaced += [[Int16]](repeating: [Int16](repeating: 0, count: 960), count: 100) }
    }
    let spacedVoiced = spaced.indices.filter { dBFS(power(spaced[$0])) > -30 }
    let quietPauses = spaced.indices.filter { f in
        f >= skip && dBFS(power(spaced[f])) < -50 && !spacedVoiced.contains { abs($0 - f) < 25 }
    }
    let speechFrames = spacedVoiced.filter { $0 >= skip }
    for snr in [15.0, 5.0] {
        let amplitude = (speechPower / pow(10, snr / 10) * 3).squareRoot()
        var noiseRng = SplitMix64(seed: 12)
        let mic = spaced.map { f in f.map { Int16(clamping: Int(Double($0) + (noiseRng.unit() * 2 - 1) * amplitude)) } }
        var raw = TalkGate(.init(mode: .vox)), cleanedGate = TalkGate(.init(mode: .vox))
        let vox = try SpeechProcessor(settings)
        var probOpen = false, probBelow = 0
        var open: [String: [Bool]] = ["raw": [], "processed": [], "probability": []]
        for f in mic {
            _ = raw.process(f)
            open["raw"]!.append(raw.isTransmitting)
            var frame = f
            try vox.process(&frame)
            _ = cleanedGate.process(frame)
            open["processed"]!.append(cleanedGate.isTransmitting)
            let p = vox.speechProbability
            if p >= 35 { probOpen = true; probBelow = 0 } else if p < 20 && probOpen {
                probBelow += 1
                if probBelow > 15 { probOpen = false }
            } else { probBelow = 0 }
            open["probability"]!.append(probOpen)
        }
        for name in ["raw", "processed", "probability"] {
            let o = open[name]!
            let speechSent = Double(speechFrames.filter { o[$0] }.count) / Double(max(speechFrames.count, 1)) * 100
            let pauseSent = Double(quietPauses.filter { o[$0] }.count) / Double(max(quietPauses.count, 1)) * 100
            print("vox \(name)_snr\(Int(snr)) speech_frames \(speechFrames.count) pause_frames \(quietPauses.count) speech_sent_pct \(format2(speechSent)) pause_sent_pct \(format2(pauseSent))")
        }
    }
}

final class Counter: @unchecked Sendable {
    private var n = 0
    private var lock = pthread_mutex_t()
    init() { pthread_mutex_init(&lock, nil) }
    func add() { pthread_mutex_lock(&lock); n += 1; pthread_mutex_unlock(&lock) }
    var value: Int { pthread_mutex_lock(&lock); defer { pthread_mutex_unlock(&lock) }; return n }
}

/// A vox spurt whose voice starts at frame 10: when does that frame leave, per pre-roll?
func preroll() {
    for ms in [0.0, 20, 60, 100] {
        var gate = TalkGate(.init(mode: .vox, preRollMillis: ms, voxWindowMillis: 20))
        var firstSent = -1, onsetSent = -1, lastSent = -1, lastCaptured = -1
        for i in 0..<80 {
            var f = [Int16](repeating: 0, count: 960)
            f[0] = Int16(i)
            let voiced = (10..<40).contains(i)
            if voiced { for k in 1..<960 { f[k] = k % 2 == 0 ? 6000 : -6000 } }
            if let o = gate.process(f).output {
                if firstSent < 0 { firstSent = i }
                if o.samples[0] == 10 { onsetSent = i }
                if o.flags.contains(.end) { lastSent = i; lastCaptured = Int(o.samples[0]) }
            }
        }
        print("preroll_ms \(Int(ms)) first_frame_sent_at \(firstSent) onset_frame_delay_ms \((onsetSent - 10) * 20) end_delay_ms \((lastSent - lastCaptured) * 20)")
    }
}

let args = CommandLine.arguments
do {
    switch args.count > 1 ? args[1] : "" {
    case "codec" where args.count == 3 || args.count == 4:
        let c = args.count == 4 ? Int(args[3]) : nil
        if args.count == 4 && c == nil { fail("codec <raw> [complexity]") }
        try codec(args[2], complexity: c)
    case "loss" where (7...9).contains(args.count):
        guard let p = Double(args[3]), let seed = UInt64(args[4]), let e = Int(args[6]),
              let j = args.count >= 8 ? Int(args[7]) : 10_000 else { fail("loss <raw> <percent> <seed> <out> <expected-loss> [jitter-us] [complexity]") }
        let c = args.count == 9 ? Int(args[8]) : nil
        if args.count == 9 && c == nil { fail("loss: complexity must be a number, 0 to 10") }
        try loss(args[2], percent: p, seed: seed, out: args[5], expectedLoss: e, jitterMicros: j, complexity: c)
    case "cpu" where args.count == 4:
        guard let s = Double(args[3]) else { fail("cpu <raw> <seconds>") }
        try cpu(args[2], seconds: s)
    case "preroll": preroll()
    case "processing" where args.count <= 3: try processing(args.count == 3 ? args[2] : nil)
    case "quality" where args.count == 4: try quality(args[2], args[3])
    default: fail("usage: codec <raw> [complexity] | loss <raw> <percent> <seed> <out> <expected-loss> [jitter-us] [complexity] | cpu <raw> <seconds> | preroll | processing [raw] | quality <raw> <outdir>")
    }
} catch {
    fail("\(error)")
}
