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
        for _ in 0..<3 { #expect(a.note(lead: 9000) == .none) }
        #expect(a.note(lead: 9000) == .pad(8280))
        for lead in [600, 1100, 300, 1000] { _ = a.note(lead: lead) }   // mean 750: in the band
        for _ in 0..<3 { _ = a.note(lead: -200) }
        #expect(a.note(lead: -200) == .drop(920))
        // A swing within a window averages out (a device pulling 40 ms at once).
        for lead in [2640, -1200, 2640] { #expect(a.note(lead: lead) == .none) }
        #expect(a.note(lead: -1200) == .none)
        // A restart forgets a partial window.
        _ = a.note(lead: 50_000)
        a.restart()
        for _ in 0..<3 { _ = a.note(lead: 720) }
        #expect(a.note(lead: 720) == .none)
    }
}
