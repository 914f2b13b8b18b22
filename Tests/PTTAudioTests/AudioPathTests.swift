import PTTProtocol
import PTTAudioCore
import PTTSystem
import Testing
@testable import PTTAudio

/// The whole path without a sound card: ideal memory devices, real threads, real codec.
@Suite struct AudioPathTests {
    /// Two speakers encoded separately, received with jitter, decoded and mixed: both are heard,
    /// and the mix is the sum of the two decoded streams.
    @Test func twoSpeakerMixFromTwoDecodedStreams() throws {
        let a = Signals.tone(300, seconds: 1, amplitude: 6000)
        let b = Signals.speechLike(seconds: 1, f0: 190)
        let encA = try OpusEncoder(), encB = try OpusEncoder()
        let receiver = Receiver()
        let solo = Receiver()   // speaker B alone, for the sum check
        var rng = 12345
        func jitter() -> Int { rng = (rng &* 1_103_515_245 &+ 12345) & 0x7FFF_FFFF; return rng % 15_000 }
        var frames: [(UInt64, AudioFrame)] = []
        for f in 0..<50 {
            let flags: AudioFrame.Flags = f == 0 ? .start : (f == 49 ? .end : [])
            let pa = try encA.encode(Array(a[(f * 960)..<((f + 1) * 960)]))
            let pb = try encB.encode(Array(b[(f * 960)..<((f + 1) * 960)]))
            frames.append((UInt64(f * 20_000 + jitter()) * 1_000, AudioFrame(source: 7, seq: UInt16(f), flags: flags, payload: pa)))
            frames.append((UInt64(f * 20_000 + jitter()) * 1_000, AudioFrame(source: 9, seq: UInt16(1000 + f), flags: flags, payload: pb)))
        }
        frames.sort { $0.0 < $1.0 }
        var mixed: [Int16] = [], soloB: [Int16] = []
        var buffer: [Int16] = [], soloBuffer: [Int16] = []
        var pending = frames[...]
        var sawBothActive = false
        for period in 0..<150 {   // 10 ms periods, 1.5 s
            let now = UInt64(period) * 10 * .millisecond
            while let (t, frame) = pending.first, t <= now {
                receiver.receive(frame, at: t)
                if frame.source == 9 { solo.receive(frame, at: t) }
                pending = pending.dropFirst()
            }
            receiver.render(into: &buffer, frames: 480, at: now)
            solo.render(into: &soloBuffer, frames: 480, at: now)
            mixed += buffer
            soloB += soloBuffer
            if receiver.activeSpeakers == [7, 9] { sawBothActive = true }
        }
        #expect(sawBothActive)
        #expect(receiver.activeSpeakers.isEmpty)
        #expect(receiver.statistics(of: 7)?.played == 50)
        #expect(receiver.statistics(of: 9)?.played == 50)
        #expect(receiver.decoderErrors == 0)
        // Both voices are in the mix: the 300 Hz tone and B's 190 Hz fundamental.
        let middle = mixed[24_000..<48_000]
        #expect(Signals.tonePower(middle, hz: 300) > 100 * Signals.tonePower(middle, hz: 2_345))
        #expect(Signals.tonePower(middle, hz: 190) > 100 * Signals.tonePower(middle, hz: 2_345))
        // Mixed minus B alone is A: it correlates with A's input (after the codec delay).
        let minusB = zip(mixed, soloB).map { Int16(clamping: Int($0) - Int($1)) }
        let (corr, _) = Signals.bestCorrelation(Array(a[4800..<38_400]), Array(minusB[4800...]), maxLag: 2400, head: 4800)
        #expect(corr > 0.9, "A recovered from the mix: \(corr)")
    }

    /// Plays one spurt through a receiver rendering 5 ms periods; frame `f` is sent at f·20 ms
    /// and arrives `arrival(f)` later (1 ms unless said). Returns the output and the receiver.
    static func playSpurt(_ input: [Int16], arrival: (Int) -> UInt64 = { _ in .millisecond }) throws -> ([Int16], Receiver) {
        let encoder = try OpusEncoder()
        let receiver = Receiver()
        let count = input.count / 960
        var frames: [(UInt64, AudioFrame)] = []
        for f in 0..<count {
            let flags: AudioFrame.Flags = f == 0 ? .start : (f == count - 1 ? .end : [])
            let payload = try encoder.encode(Array(input[(f * 960)..<((f + 1) * 960)]))
            frames.append((UInt64(f) * 20 * .millisecond + arrival(f), AudioFrame(source: 3, seq: UInt16(f), flags: flags, payload: payload)))
        }
        frames.sort { $0.0 < $1.0 }
        var output: [Int16] = [], buffer: [Int16] = []
        var pending = frames[...]
        for period in 0..<(count * 4 + 200) {
            let now = UInt64(period) * 5 * .millisecond
            while let (t, frame) = pending.first, t <= now {
                receiver.receive(frame, at: t)
                pending = pending.dropFirst()
            }
            receiver.render(into: &buffer, frames: 240, at: now)
            output += buffer
        }
        return (output, receiver)
    }

    /// `input` played once on time and once with the arrivals `late` gives: both outputs, how
    /// many samples later the late run's audio ends (where playout ended up: not a correlation
    /// lag, as a voiced signal correlates with itself every pitch period), and the late run's
    /// statistics for the speaker.
    static func lateShift(_ input: [Int16], late: (Int) -> UInt64) throws -> (onTime: [Int16], late: [Int16], shift: Int, stats: JitterBuffer.Statistics) {
        let (onTime, _) = try playSpurt(input)
        let (lateRun, receiver) = try playSpurt(input, arrival: late)
        func end(_ x: [Int16]) -> Int { x.lastIndex { abs(Int($0)) > 200 } ?? 0 }
        let stats = try #require(receiver.statistics(of: 3))
        #expect(end(onTime) > input.count / 2, "the on-time run played the spurt")
        return (onTime, lateRun, end(lateRun) - end(onTime), stats)
    }

    /// A frame 25 ms late (the one after it waits behind it, as TCP keeps order) moves playout
    /// back by the few milliseconds playback had to wait, not by whole frames, and every frame
    /// is still played.
    @Test func aLateFrameCostsTheWaitNotAFrame() throws {
        let input = Signals.speechLike(seconds: 1.2, f0: 170)
        let (onTime, late, shift, stats) = try Self.lateShift(input, late: { f in
            f == 20 ? 26 * .millisecond : f == 21 ? 6 * .millisecond : .millisecond
        })
        #expect(stats.underruns == 1)
        #expect(stats.played == 60)
        #expect(stats.concealed == 0 && stats.lost == 0)
        let waited = stats.playout.concealedSamples
        #expect(waited > 0 && waited <= 720, "waited \(waited) samples")
        #expect(shift > 0 && shift <= waited, "playout moved back by \(shift) samples")
        // After the late frame the audio is the on-time run's, at most one period later.
        let (corr, _) = Signals.bestCorrelation(Array(onTime[28_800..<52_800]), Array(late[28_800...]), maxLag: 480, head: 4_800)
        #expect(corr > 0.95, "same audio after the bridge: \(corr)")
    }

    /// A 400 ms stall (nothing arrives, then the backlog at once, as after a TCP retransmission):
    /// the gap is waited out, then the backlog's pauses are dropped and its speech plays a
    /// little faster until the delay is back; no speech is dropped.
    @Test func aStallsBacklogIsPlayedOffFromPausesAndFasterSpeech() throws {
        let input = Signals.speechLike(seconds: 5, f0: 150)
        // Frames sent from 1.0 s to 1.4 s arrive at 1.4 s.
        let stallEnd: UInt64 = 1_400 * .millisecond
        func stalled(_ f: Int) -> UInt64 {
            let sent = UInt64(f) * 20 * .millisecond
            return sent >= 1_000 * .millisecond && sent < stallEnd ? stallEnd - sent : .millisecond
        }
        let (_, _, shift, stats) = try Self.lateShift(input, late: stalled)
        #expect(stats.played == 250)
        #expect(stats.lost == 0)
        #expect(stats.playout.stalls == 1)
        #expect(stats.playout.concealedSamples >= 340 * 48, "waited \(stats.playout.concealedSamples) samples")
        #expect(stats.playout.acceleratedSamples > 0 && stats.dropped > 0, "\(stats.playout)")
        #expect(stats.playout.acceleratedSamples + stats.playout.droppedSamples >= 300 * 48, "\(stats.playout)")
        // The same sound without pauses (its second harmonic held under it): nothing is dropped, all is accelerated.
        let tone = Signals.tone(300, seconds: 5, amplitude: 3000)
        let (_, _, _, continuous) = try Self.lateShift(zip(input, tone).map { Int16(clamping: Int($0) + Int($1)) }, late: stalled)
        #expect(continuous.dropped == 0 && continuous.lost == 0)
        #expect(continuous.playout.acceleratedSamples >= 300 * 48, "\(continuous.playout)")
        // Back within 30 ms of where the on-time run ends.
        #expect(abs(shift) <= 30 * 48, "ends \(shift) samples later")
    }

    /// Capture → gate (open) → encoder → receiver → decoder → mixer → playback, on threads,
    /// with ideal devices paced in real time.
    @Test func wholePathOnThreadsWithIdealDevices() async throws {
        let input = Signals.speechLike(seconds: 0.6) + [Int16](repeating: 0, count: 48_000)
        let capture = CaptureEngine { () throws(AudioDeviceError) -> any AudioInput in MemoryInput(samples: input, periodSamples: 480) }
        let receiver = Receiver()
        let sent = Box<[AudioFrame]>([])
        let tx = try Transmitter(ring: capture.ring, gate: .init(mode: .open)) { txFrame in
            let frame = txFrame.audioFrame(source: 42)
            sent.mutate { $0.append(frame) }
            receiver.receive(frame)
        }
        let output = MemoryOutput()
        let playback = PlaybackEngine(opener: { () throws(AudioDeviceError) -> any AudioOutput in output }) { buffer, frames in
            receiver.render(into: &buffer, frames: frames)
        }
        let start = MonotonicClock.now()
        playback.start(); tx.start(); capture.start()
        await pause(900_000_000)
        capture.stop(); tx.stop(); playback.stop()
        let elapsed = Double(MonotonicClock.now() - start) / 1e9
        let frames = sent.value
        // Real-time pace: about 45 frames of 20 ms in 0.9 s, never a burst of the whole input.
        #expect(frames.count >= 25 && Double(frames.count) <= elapsed * 50 + 3, "\(frames.count) frames in \(elapsed) s")
        #expect(frames.first?.isStart == true)
        #expect(frames.map(\.seq) == (0..<UInt16(frames.count)).map { $0 })
        #expect(frames.allSatisfy { $0.source == 42 && !$0.payload.isEmpty })
        let played = output.samples
        #expect(played.count >= 48_000 * 8 / 10)
        // A 50 ms stretch of the input is found in the output (one stretch: on a loaded machine
        // a playback stall may shift what follows by a frame, which the jitter buffer absorbs).
        let (corr, lag) = Signals.bestCorrelation(Array(input[4800..<7200]), played, maxLag: 9_600, head: 2400)
        #expect(corr > 0.7, "played audio matches the input: \(corr) at lag \(lag)")
        // Not passed straight through: the output starts silent for at least most of the
        // codec's 6.5 ms lookahead (the ideal capture device may run a period ahead of the
        // playback clock, so not the whole of it). The jitter buffer's one-frame prefill is
        // checked in JitterBufferTests; the signal is too periodic to read it from the lag.
        let firstSound = played.firstIndex { abs(Int($0)) > 100 } ?? 0
        #expect(firstSound >= 160, "first sound at sample \(firstSound)")
    }

    @Test func holdModeFramesCarryStartAndEnd() async throws {
        let ring = SampleRing(capacity: 48_000)
        let sent = Box<[AudioFrame]>([])
        let tx = try Transmitter(ring: ring, gate: .init(mode: .hold, tailMillis: 40)) { f in sent.mutate { $0.append(f.audioFrame(source: 5)) } }
        tx.start()
        let frame = Signals.speechLike(seconds: 0.02)
        for i in 0..<20 {
            if i == 3 { tx.keyDown() }
            if i == 8 { tx.keyUp() }
            ring.write(frame)
            // Let the transmit thread take each frame before the next (as real-time capture would).
            while ring.available > 0 { await pause(200_000) }
            await pause(1_000_000)
        }
        tx.stop()
        let frames = sent.value
        #expect(frames.count == 5 + 2)
        #expect(frames.first?.flags == .start)
        #expect(frames.last?.flags == .end)
        #expect(tx.captureLevel.rmsDBFS > -40)
    }

    @Test func spurtStartDropsCaptureBacklog() async throws {
        let ring = SampleRing(capacity: 48_000)
        let sent = Box<[AudioFrame]>([])
        let tx = try Transmitter(ring: ring, gate: .init(mode: .hold)) { f in sent.mutate { $0.append(f.audioFrame(source: 5)) } }
        // 300 ms queued up before anyone reads (a slow start), then the key goes down.
        ring.write([Int16](repeating: 100, count: 960 * 15))
        tx.keyDown()
        tx.start()
        let deadline = MonotonicClock.now() + 5_000_000_000
        while ring.available > 0 && MonotonicClock.now() < deadline { await pause(1_000_000) }
        ring.write([Int16](repeating: 200, count: 960))
        await pause(100_000_000)
        tx.stop()
        #expect(tx.droppedBacklogs == 1)
        #expect(sent.value.count == 1, "only the fresh frame left: \(sent.value.count)")
    }

    /// A device that works for a while, then fails like an unplugged USB headset.
    final class FlakyInput: AudioInput {
        let name = "flaky"
        let periodSamples = 480
        let isRealTime = false
        let xruns = 0
        var reads = 0
        func read(into buffer: inout [Int16]) throws(AudioDeviceError) {
            reads += 1
            if reads > 10 { throw .lost(device: name, cause: ALSAError(code: -19, call: "snd_pcm_readi", device: name)) }
            for i in 0..<buffer.count { buffer[i] = 1 }
        }
        func close() {}
    }

    @Test func deviceLostMidSessionIsReopened() async {
        let opens = Box(0)
        let statuses = Box<[DeviceStatus]>([])
        let engine = CaptureEngine { () throws(AudioDeviceError) -> any AudioInput in
            opens.mutate { $0 += 1 }
            return FlakyInput()
        }
        engine.onStatusChange { s in statuses.mutate { $0.append(s) } }
        engine.start()
        await pause(700_000_000)
        engine.stop()
        #expect(opens.value >= 2)
        let seen = statuses.value
        #expect(seen.first == .running(device: "flaky"))
        #expect(seen.contains { if case .unavailable(let m, _) = $0 { return m.contains("'flaky' stopped working") } else { return false } })
        #expect(seen.filter { $0 == .running(device: "flaky") }.count >= 2)
    }

    @Test func playbackGoesOnWithoutADevice() async {
        let rendered = Box(0)
        let engine = PlaybackEngine(opener: { () throws(AudioDeviceError) -> any AudioOutput in
            throw .unsupported(device: "none", direction: .playback, what: "test")
        }) { _, frames in rendered.mutate { $0 += frames } }
        let start = MonotonicClock.now()
        engine.start()
        await pause(300_000_000)
        engine.stop()
        let elapsed = Double(MonotonicClock.now() - start) / 1e9
        // Rendering continued in real time (the jitter buffers drain), device absent.
        #expect(rendered.value >= 48_000 / 5)
        #expect(Double(rendered.value) <= elapsed * 48_000 + 480, "\(rendered.value) frames in \(elapsed) s")
    }

    @Test func cueTonesAreMixedAndSwitchable() {
        let r = Receiver()
        var buf: [Int16] = []
        r.play(.talkStart)
        r.render(into: &buf, frames: 2400, at: 0)
        #expect(AudioLevel(measuring: buf).peakDBFS > -20)
        r.cuesEnabled = false
        r.play(.busy)
        r.render(into: &buf, frames: 4800, at: 50_000)   // drains the rest of talkStart
        r.render(into: &buf, frames: 4800, at: 150_000)
        #expect(buf.allSatisfy { $0 == 0 })
    }
}

@Suite struct SampleRingTests {
    @Test func overwritesOldestWhenFullAndCounts() {
        let ring = SampleRing(capacity: 4)
        ring.write([1, 2, 3])
        ring.write([4, 5, 6])
        #expect(ring.available == 4)
        #expect(ring.overwrittenSamples == 2)
        #expect(ring.read(4) == [3, 4, 5, 6])
        #expect(ring.read(1) == nil)
    }

    @Test func waitingReadGetsSamplesFromAnotherThreadAndCanBeWoken() {
        let ring = SampleRing(capacity: 1000)
        let writer = AudioThread(name: "writer") {
            MonotonicClock.sleep(nanos: 20_000_000)
            ring.write([Int16](repeating: 7, count: 480))
        }
        let got = ring.read(480, waitingUntil: MonotonicClock.now() + 2_000_000_000)
        writer.join()
        #expect(got?.samples.count == 480 && got?.remaining == 0)
        // A stopping consumer is woken long before its deadline; the ring stays usable.
        let waker = AudioThread(name: "waker") {
            MonotonicClock.sleep(nanos: 20_000_000)
            ring.wakeReaders()
        }
        let start = MonotonicClock.now()
        #expect(ring.read(480, waitingUntil: start + 5_000_000_000) == nil)
        waker.join()
        #expect(MonotonicClock.now() - start < 2_000_000_000)
        ring.write([Int16](repeating: 1, count: 480))
        #expect(ring.read(480, waitingUntil: MonotonicClock.now())?.samples.count == 480)
    }

    /// Block copies behave exactly like writing and reading one sample at a time: random
    /// writes (some longer than the ring), reads and clears against that simple model.
    @Test func blockCopiesMatchOneSampleAtATime() {
        var rng = SplitMix64(seed: 2024)
        for capacity in [1, 7, 480, 1000] {
            let ring = SampleRing(capacity: capacity)
            var model: [Int16] = []
            var modelOverwritten = 0
            var next: Int16 = 0
            for step in 0..<400 {
                switch rng.next() % 5 {
                case 0, 1, 2:
                    let n = Int(rng.next() % UInt64(2 * capacity + 2))
                    let block = (0..<n).map { _ in next &+= 1; return next }
                    // Slices and arrays both take the block path; odd steps pass a slice.
                    if step % 2 == 0 { ring.write(block) } else { ring.write(([0] + block)[1...]) }
                    for s in block {
                        if model.count == capacity { model.removeFirst(); modelOverwritten += 1 }
                        model.append(s)
                    }
                case 3:
                    let n = Int(rng.next() % UInt64(capacity + 1))
                    let got = ring.read(n)
                    if model.count >= n {
                        #expect(got == Array(model.prefix(n)), "capacity \(capacity) step \(step)")
                        model.removeFirst(n)
                    } else {
                        #expect(got == nil)
                    }
                default:
                    #expect(ring.removeAll() == model.count)
                    model.removeAll()
                }
                #expect(ring.available == model.count)
            }
            #expect(ring.overwrittenSamples == modelOverwritten)
        }
    }

    /// A reader waiting for a 20 ms frame is woken once, by the write that completes it, not
    /// by every 10 ms period before.
    @Test func waitingReaderIsWokenOnlyWhenItsRequestIsThere() {
        let ring = SampleRing(capacity: 4800)
        let got = Box<[Int16]?>(nil)
        let reader = AudioThread(name: "reader") {
            got.mutate { $0 = ring.read(960, waitingUntil: MonotonicClock.now() + 5_000_000_000)?.samples }
        }
        let deadline = MonotonicClock.now() + 5_000_000_000
        while ring.waitingReaderCount == 0 && MonotonicClock.now() < deadline { MonotonicClock.sleep(nanos: 1_000_000) }
        ring.write([Int16](repeating: 1, count: 480))
        #expect(ring.readerWakeCount == 0)
        ring.write([Int16](repeating: 2, count: 480))
        reader.join()
        #expect(ring.readerWakeCount == 1)
        #expect(got.value == [Int16](repeating: 1, count: 480) + [Int16](repeating: 2, count: 480))
        #expect(ring.waitingReaderCount == 0)
        // Nobody waiting: writes wake no one.
        ring.write([Int16](repeating: 3, count: 960))
        #expect(ring.readerWakeCount == 1)
    }
}

/// An output that reports an underrun every few writes, as an ALSA device does after
/// recovering one with snd_pcm_recover.
final class XrunOutput: AudioOutput {
    let name = "xrun"
    let channels = 1
    let periodFrames = 480
    let bufferFrames = 960
    let isRealTime = false
    private(set) var xruns = 0
    private var writes = 0
    func write(_ samples: [Int16]) throws(AudioDeviceError) {
        writes += 1
        if writes % 5 == 0 { xruns += 1 }
    }
    func drain() {}
    func close() {}
}

@Suite struct XrunTests {
    @Test func enginesCountRecoveredXrunsAndKeepGoing() async {
        let engine = PlaybackEngine(opener: { () throws(AudioDeviceError) -> any AudioOutput in XrunOutput() }) { _, _ in }
        engine.start()
        await pause(300_000_000)
        engine.stop()
        // About 30 periods of 10 ms: about 6 xruns, never fatal.
        #expect(engine.xruns >= 3)
        #expect(engine.frames >= 48_000 / 5)
    }
}

@Suite struct StereoTests {
    @Test func speakersAreSpreadAcrossTheStereoField() throws {
        let enc = try OpusEncoder()
        let packet = try enc.encode(Signals.tone(440, seconds: 0.02))
        let r = Receiver(channels: 2)
        r.setPan(30, 1)   // set before it speaks: kept
        for id: UInt32 in [10, 20, 30, 40] { r.receive(AudioFrame(source: id, seq: 0, flags: .start, payload: packet), at: 0) }
        #expect(r.pan(of: 10) == 0)
        #expect(r.pan(of: 20) == -0.5)
        #expect(r.pan(of: 30) == 1)
        #expect(r.pan(of: 40) == -0.25)
        // Mono output ignores panning.
        let m = Receiver()
        m.receive(AudioFrame(source: 20, seq: 0, flags: .start, payload: packet), at: 0)
        m.receive(AudioFrame(source: 21, seq: 0, flags: .start, payload: packet), at: 0)
        #expect(m.pan(of: 21) == 0)
    }
}
