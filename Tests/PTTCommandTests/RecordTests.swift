import Foundation
import Testing

/// `ptt join --record`: the session as its user heard it, plus what the user said.
@Suite(.serialized) struct RecordTests {
    @Test func recordingHoldsWhatWasHeardAndWhatWasSaid() async throws {
        let tmp = try TemporaryDirectory()
        // Alice says her piece 3 s in (her microphone runs from her start, and nothing is sent
        // before she has joined); bob's piece is a different pitch, sent after hers has ended.
        let alice = TestSignal.speechLike(seconds: 1.5, pad: 0.3)
        try TestSignal.write([Int16](repeating: 0, count: 48000 * 3) + alice + [Int16](repeating: 0, count: 48000 * 10),
                             to: tmp.path("alice.raw"))
        let bob = TestSignal.speechLike(seconds: 1.5, pad: 0.1, pitch: 330, syllablesPerSecond: 4.7)
        try TestSignal.writeWAV(bob, to: tmp.path("bob.wav"))

        let (relay, port) = try await startRelay()
        defer { relay.stop() }
        let url = "ws://127.0.0.1:\(port)"
        var env = testALSAEnvironment
        env["TEST_ALSA_IN"] = tmp.path("alice.raw")
        let a = try ChildProcess("ptt", ["join", "r", "alice", "--json", "--mode", "open", "--tail-ms", "0",
                                         "--record", tmp.path("session.wav"), "--relay", url], environment: env)
        defer { a.stop() }
        #expect(await a.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        try await Task.sleep(for: .seconds(5.5))
        let send = try ChildProcess("ptt", ["send", "r", "bob", tmp.path("bob.wav"), "--relay", url])
        #expect(await send.waitForExit(timeout: .seconds(15)) == 0, "send: \(send.errorText)")
        // Bob's spurt has ended for alice; then the few frames her jitter buffer still holds play.
        #expect(await a.waitForLine { $0.contains(#""event":"talk""#) && $0.contains("bob") && $0.contains(#""on":false"#) } != nil)
        try await Task.sleep(for: .milliseconds(300))
        a.send("quit")
        #expect(await a.waitForExit() == 0, "\(a.errorText)")

        let recorded = try TestSignal.readWAV(tmp.path("session.wav"))
        #expect(recorded.fileBytes > 2 * 48000 * 4)
        let samples = recorded.samples
        // Each voice is in the file (another voice or silence correlates near 0). Alice's own
        // frames are decoded back to back, with no jitter buffer. Bob's speech is heard live: a
        // concealed frame after a scheduling hiccup (the jitter buffer starts one frame deep)
        // moves the rest of his spurt later, so it is matched in half-second pieces, in order.
        let said = TestSignal.envelopeCorrelation(probe: alice, in: samples)
        let heard = TestSignal.piecewiseEnvelopeCorrelation(probe: bob, in: samples)
        #expect(said.correlation > 0.85, "own speech: \(said.correlation)")
        #expect(heard.correlation > 0.75, "bob's speech: \(heard.correlation)")
        // In the order they happened.
        #expect(heard.lagBlocks > said.lagBlocks + 150)
    }
}

/// The measure the recording test relies on, on signals made here.
@Suite struct PiecewiseCorrelationTests {
    @Test func aGapInsideTheSpeechCostsTheWholeMatchButNotThePiecewiseOne() {
        let bob = TestSignal.speechLike(seconds: 1.5, pad: 0.1, pitch: 330, syllablesPerSecond: 4.7)
        // As a concealed stretch leaves it: 80 ms of silence 0.8 s in, the rest later.
        let gapped = [Int16](repeating: 0, count: 48000) + bob[..<38400] + [Int16](repeating: 0, count: 3840)
            + bob[38400...] + [Int16](repeating: 0, count: 48000)
        let whole = TestSignal.envelopeCorrelation(probe: bob, in: gapped)
        let pieces = TestSignal.piecewiseEnvelopeCorrelation(probe: bob, in: gapped)
        // (the piece holding the gap matches less well than the others)
        #expect(whole.correlation < 0.6, "whole: \(whole.correlation)")
        #expect(pieces.correlation > 0.8, "pieces: \(pieces.correlation)")
        #expect(pieces.lagBlocks == 100)
        // Another voice, or silence, does not match.
        let alice = TestSignal.speechLike(seconds: 1.5, pad: 0.3)
        #expect(TestSignal.piecewiseEnvelopeCorrelation(probe: bob, in: alice + alice).correlation < 0.6)
        #expect(TestSignal.piecewiseEnvelopeCorrelation(probe: bob, in: [Int16](repeating: 0, count: 96000)).correlation == 0)
    }
}
