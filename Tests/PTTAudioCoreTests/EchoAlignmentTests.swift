import PTTAudioCore
import Testing

/// The estimate that keeps the echo canceller's far end just ahead of its echo.
@Suite struct EchoAlignmentTests {
    /// The lead: what the devices hold, less what waits to be taken and what has played since
    /// the last mix.
    @Test func lead() {
        #expect(EchoAlignment.lead(playbackDelay: 4800, captureDelay: 480, captureBacklog: 960, waiting: 1920, sinceMixed: 480) == 3840)
        #expect(EchoAlignment.lead(playbackDelay: 960, captureDelay: 0, captureBacklog: 0, waiting: 1920, sinceMixed: 0) == -960)
    }

    /// Once per window the mean lead is compared with the margin: too late pads, too early
    /// drops, within the band nothing.
    @Test func corrections() {
        var a = EchoAlignment(marginSamples: 720, bandSamples: 480, window: 4)
        // The first settled window is only noted; a second that agrees is acted on.
        for _ in 0..<7 { #expect(a.note(lead: 9000) == .none) }
        #expect(a.note(lead: 9000) == .pad(8280))
        for lead in [600, 1100, 300, 1000, 700, 800, 750, 750] { #expect(a.note(lead: lead) == .none) }   // mean 750: in the band
        for _ in 0..<7 { _ = a.note(lead: -200) }
        #expect(a.note(lead: -200) == .drop(920))
        // A swing within a window averages out (a device pulling 40 ms at once).
        for _ in 0..<2 {
            for lead in [2640, -1200, 2640] { #expect(a.note(lead: lead) == .none) }
            #expect(a.note(lead: -1200) == .none)
        }
        // A window spread wider than 50 ms (devices settling) is not acted on, nor one that
        // disagrees with the window before (a stale delay).
        for lead in [9000, 20_000, 9000, 9000, 9000, 9000, 9000] { _ = a.note(lead: lead) }
        #expect(a.note(lead: 9000) == .none)
        for _ in 0..<3 { _ = a.note(lead: 30_000) }
        #expect(a.note(lead: 30_000) == .none)
        // A restart forgets a partial window and the window before.
        _ = a.note(lead: 50_000)
        a.restart()
        for _ in 0..<3 { _ = a.note(lead: 30_000) }
        #expect(a.note(lead: 30_000) == .none)
        for _ in 0..<3 { _ = a.note(lead: 30_000) }
        #expect(a.note(lead: 30_000) == .pad(29_280))
    }
}
