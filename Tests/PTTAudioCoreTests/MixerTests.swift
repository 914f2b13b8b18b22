import Testing
@testable import PTTAudioCore

@Suite struct MixerTests {
    static func constant(_ v: Int16, _ n: Int = 480) -> ArraySlice<Int16> { ArraySlice(repeating: v, count: n) }

    @Test func silenceWhenNobodyTalks() {
        var m = Mixer()
        var out = [Int16](repeating: 99, count: 480)
        m.mix([], frames: 480, into: &out)
        #expect(out.allSatisfy { $0 == 0 })
    }

    @Test func sumsSpeakers() {
        var m = Mixer()
        var out: [Int16] = []
        m.mix([(1, Self.constant(1000)), (2, Self.constant(-300)), (3, Self.constant(2000, 100))], frames: 480, into: &out)
        #expect(out.count == 480)
        #expect(out[0] == 2700)
        #expect(out[200] == 700)   // speaker 3 ended at 100 samples
    }

    @Test func gainMuteAndMaster() {
        var m = Mixer()
        m.setGain(1, dB: -6.0206)
        m.setMuted(2, true)
        m.masterGain = 0.5
        var out: [Int16] = []
        m.mix([(1, Self.constant(8000)), (2, Self.constant(8000))], frames: 480, into: &out)
        #expect(abs(Int(out[0]) - 2000) <= 1)
        m.setMuted(2, false)
        m.mix([(1, Self.constant(8000)), (2, Self.constant(8000))], frames: 480, into: &out)
        #expect(abs(Int(out[0]) - 6000) <= 1)
    }

    @Test func limiterNeverWrapsAndIsMonotonic() {
        var m = Mixer()
        var out: [Int16] = []
        // Four full-scale speakers in phase: a plain Int16 sum would wrap.
        var ramp: [Int16] = []
        for i in 0..<480 { ramp.append(Int16(clamping: (i - 240) * 136)) }
        let inputs = (1...4).map { (id: UInt32($0), samples: ArraySlice(ramp)) }
        m.mix(inputs, frames: 480, into: &out)
        #expect(m.limitedSamples > 0)
        for i in 1..<480 { #expect(out[i] >= out[i - 1], "not monotonic at \(i)") }
        #expect(out[479] > 30000 && out[0] < -30000)
        // Below the knee the signal passes untouched.
        m.mix([(1, Self.constant(16000))], frames: 480, into: &out)
        #expect(out[0] == 16000)
        #expect(m.limitedSamples == 0)
    }

    @Test func stereoPanning() {
        var m = Mixer(outputChannels: 2)
        m.setPan(1, -1)
        m.setPan(2, 1)
        var out: [Int16] = []
        m.mix([(1, Self.constant(10000))], frames: 480, into: &out)
        #expect(out.count == 960)
        #expect(out[0] == 10000 && abs(Int(out[1])) <= 1)
        m.mix([(2, Self.constant(10000))], frames: 480, into: &out)
        #expect(abs(Int(out[0])) <= 1 && out[1] == 10000)
        // Centre: constant power, -3 dB each side.
        m.mix([(3, Self.constant(10000))], frames: 480, into: &out)
        #expect(abs(Int(out[0]) - 7071) <= 1 && out[0] == out[1])
    }
}

@Suite struct LevelAndToneTests {
    @Test func levels() {
        let full = AudioLevel(measuring: [Int16](repeating: 32767, count: 100) + [Int16](repeating: -32768, count: 100))
        #expect(abs(full.rmsDBFS) < 0.01 && abs(full.peakDBFS) < 0.01)
        let half = AudioLevel(measuring: [Int16](repeating: 16384, count: 480))
        #expect(abs(half.rmsDBFS + 6.0206) < 0.01)
        #expect(AudioLevel(measuring: [Int16](repeating: 0, count: 480)).rmsDBFS == AudioLevel.floorDBFS)
        #expect(AudioLevel(measuring: [Int16]()).peakDBFS == AudioLevel.floorDBFS)
        #expect(abs(AudioLevel.amplitude(dBFS: -20) - 0.1) < 1e-9)
        #expect(half.meter(width: 10).hasPrefix("#########"))
    }

    @Test func mathHelpers() {
        for x in [1e-6, 0.3, 1, 2.5, 1000, 12345.678] {
            #expect(abs(AudioMath.exp(AudioMath.log(x)) - x) / x < 1e-12)
        }
        #expect(abs(AudioMath.sin(AudioMath.pi / 6) - 0.5) < 1e-12)
        #expect(abs(AudioMath.cos(100.0) - 0.862_318_872_287_683_9) < 1e-9)
    }

    @Test func cueTonesAreDistinctAndBounded() {
        let cues = Cue.allCases.map { CueTones.samples($0) }
        #expect(Set(cues.map { $0 }).count == 3)
        for c in cues {
            #expect(c.count >= 48_000 / 10 && c.count <= 48_000 / 2)
            let level = AudioLevel(measuring: c)
            #expect(level.peakDBFS < -12 && level.peakDBFS > -16)
            #expect(abs(Int(c.first ?? 1)) < 10 && abs(Int(c.last ?? 1)) < 300)   // faded
        }
    }
}

@Suite struct PacerTests {
    let ms: UInt64 = 1_000_000

    @Test func sleepsWhenAheadOfRealTime() {
        var p = Pacer(sampleRate: 48_000)
        #expect(p.advance(by: 480, at: 0) == 10 * ms)      // 10 ms done at t=0
        #expect(p.advance(by: 480, at: 10 * ms) == 10 * ms)
        #expect(p.advance(by: 480, at: 30 * ms) == 0)      // on time
    }

    @Test func slackLetsABlockingDeviceRunFreely() {
        var p = Pacer(sampleRate: 48_000, slackSamples: 1920)
        #expect(p.advance(by: 960, at: 0) == 0)
        #expect(p.advance(by: 960, at: 0) == 0)
        #expect(p.advance(by: 960, at: 0) == 20 * ms)
    }

    @Test func aStallRestartsInsteadOfBursting() {
        var p = Pacer(sampleRate: 48_000)
        _ = p.advance(by: 480, at: 0)
        #expect(p.advance(by: 480, at: 1_000 * ms) == 0)
        #expect(p.stalls == 1)
        #expect(p.advance(by: 480, at: 1_000 * ms) == 10 * ms)
    }
}

@Suite struct RetryBackoffTests {
    let s: UInt64 = 1_000_000_000

    @Test func doublesUpToTheMaximum() {
        var b = RetryBackoff()
        let delays = (0..<7).map { _ in b.failed() }
        #expect(delays == [s / 4, s / 2, s, 2 * s, 4 * s, 5 * s, 5 * s])
    }

    @Test func aDeviceThatWorkedStartsOverAFlappingOneDoesNot() {
        var b = RetryBackoff()
        _ = b.failed(); _ = b.failed()          // 0.25, 0.5
        b.opened(at: 0)
        #expect(b.lost(at: s / 10) == s)        // failed at once: keeps growing
        b.opened(at: 10 * s)
        #expect(b.lost(at: 20 * s) == s / 4)    // ran 10 s: from the start
    }
}
