/// Short generated tones the client mixes locally: talk start, talk end, busy/denied.
public enum Cue: String, CaseIterable, Sendable {
    /// Transmission started: a rising pair.
    case talkStart
    /// Transmission ended: a falling pair.
    case talkEnd
    /// The relay refused the floor: three low beeps.
    case busy
}

public enum CueTones {
    /// Peak level of every cue (about -14 dBFS): audible over speech, never harsh.
    public static let amplitude = 0.2

    /// A cue as 48 kHz mono samples.
    public static func samples(_ cue: Cue, sampleRate: Int = 48_000) -> [Int16] {
        switch cue {
        case .talkStart:
            return tone(660, ms: 50, rate: sampleRate) + tone(880, ms: 70, rate: sampleRate)
        case .talkEnd:
            return tone(880, ms: 50, rate: sampleRate) + tone(660, ms: 70, rate: sampleRate)
        case .busy:
            let beep = tone(440, ms: 80, rate: sampleRate)
            let gap = [Int16](repeating: 0, count: sampleRate * 60 / 1000)
            return beep + gap + beep + gap + beep
        }
    }

    /// A sine burst with 5 ms raised fades at both ends (no clicks).
    static func tone(_ hz: Double, ms: Int, rate: Int) -> [Int16] {
        let n = rate * ms / 1000
        let fade = rate * 5 / 1000
        // Rotate a phasor instead of calling sin per sample.
        let w = 2 * AudioMath.pi * hz / Double(rate)
        let c = AudioMath.cos(w), s = AudioMath.sin(w)
        var re = 1.0, im = 0.0
        var out = [Int16](repeating: 0, count: n)
        for i in 0..<n {
            var env = 1.0
            if i < fade { env = Double(i) / Double(fade) } else if n - 1 - i < fade { env = Double(n - 1 - i) / Double(fade) }
            out[i] = Int16((im * amplitude * env * 32767).rounded())
            let nre = re * c - im * s
            im = re * s + im * c
            re = nre
        }
        return out
    }
}
