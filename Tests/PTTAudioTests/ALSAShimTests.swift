import CALSA
import Testing
@testable import PTTAudio

/// The CALSA shim: failures come back through the funnel, and library messages stay off stderr.
@Suite struct ALSAShimTests {
    /// Opens and closes a playback PCM; returns the funnelled error, if any.
    func openError(_ name: String) -> ALSAError? {
        var pcm: OpaquePointer?
        let result = snd_pcm_open(&pcm, name, SND_PCM_STREAM_PLAYBACK, 0)
        if result >= 0 { snd_pcm_close(pcm) }
        return Result { () throws(ALSAError) in try ALSAError.check(result, "snd_pcm_open", device: name) }.failure
    }

    @Test func missingDeviceIsAFunnelledErrorAndSilent() {
        ALSAError.silenceLibraryMessages()
        let before = ALSAError.suppressedMessages
        let name = "ptt_no_such_device_for_tests"
        let error = openError(name)
        #expect(error != nil, "opened a device that does not exist")
        #expect((error?.code ?? 0) < 0)
        #expect(error?.description.contains(name) == true)
        #expect(error?.description.contains("snd_pcm_open") == true)
        // ALSA reported the unknown PCM through its handler, which swallowed it.
        #expect(ALSAError.suppressedMessages > before)
    }

    @Test func constantsAreExported() {
        #expect(calsa_format_s16_le() == SND_PCM_FORMAT_S16_LE)
        #expect(calsa_access_rw_interleaved() == SND_PCM_ACCESS_RW_INTERLEAVED)
        #expect(ALSAError(code: -2, call: "x").reason == "No such file or directory")
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let e) = self { return e }
        return nil
    }
}
