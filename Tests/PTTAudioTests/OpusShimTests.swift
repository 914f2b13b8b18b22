import COpus
import Testing
@testable import PTTAudio

/// The COpus shim: every ctl wrapper reaches libopus and reads back what it set.
@Suite struct OpusShimTests {
    func withEncoder(application: Int32 = copus_application_voip(), _ body: (OpaquePointer) throws -> Void) throws {
        var err: Int32 = 0
        guard let enc = opus_encoder_create(48000, 1, application, &err) else {
            throw OpusError(code: err, call: "opus_encoder_create")
        }
        defer { opus_encoder_destroy(enc) }
        try OpusError.check(err, "opus_encoder_create")
        try body(enc)
    }

    @Test func encoderSettingsRoundTrip() throws {
        try withEncoder { enc in
            var v: Int32 = 0
            try OpusError.check(copus_enc_set_bitrate(enc, 24000), "set bitrate")
            try OpusError.check(copus_enc_get_bitrate(enc, &v), "get bitrate"); #expect(v == 24000)
            try OpusError.check(copus_enc_set_complexity(enc, 8), "set complexity")
            try OpusError.check(copus_enc_get_complexity(enc, &v), "get complexity"); #expect(v == 8)
            try OpusError.check(copus_enc_set_vbr(enc, 1), "set vbr")
            try OpusError.check(copus_enc_get_vbr(enc, &v), "get vbr"); #expect(v == 1)
            try OpusError.check(copus_enc_set_inband_fec(enc, 1), "set fec")
            try OpusError.check(copus_enc_get_inband_fec(enc, &v), "get fec"); #expect(v == 1)
            try OpusError.check(copus_enc_set_packet_loss_perc(enc, 10), "set loss")
            try OpusError.check(copus_enc_get_packet_loss_perc(enc, &v), "get loss"); #expect(v == 10)
            try OpusError.check(copus_enc_set_dtx(enc, 0), "set dtx")
            try OpusError.check(copus_enc_get_dtx(enc, &v), "get dtx"); #expect(v == 0)
            try OpusError.check(copus_enc_set_signal(enc, copus_signal_voice()), "set signal")
            try OpusError.check(copus_enc_get_signal(enc, &v), "get signal"); #expect(v == copus_signal_voice())
            try OpusError.check(copus_enc_reset(enc), "reset")
            // Settings survive a reset.
            try OpusError.check(copus_enc_get_bitrate(enc, &v), "get bitrate"); #expect(v == 24000)
        }
    }

    @Test func lookaheadDependsOnApplication() throws {
        var voip: Int32 = 0, lowDelay: Int32 = 0
        try withEncoder { try OpusError.check(copus_enc_get_lookahead($0, &voip), "lookahead") }
        try withEncoder(application: copus_application_restricted_lowdelay()) {
            try OpusError.check(copus_enc_get_lookahead($0, &lowDelay), "lookahead")
        }
        // 6.5 ms and 2.5 ms at 48 kHz.
        #expect(voip == 312)
        #expect(lowDelay == 120)
    }

    @Test func errorFunnelNamesTheCallAndReason() throws {
        try withEncoder { enc in
            #expect(throws: OpusError.self) { try OpusError.check(copus_enc_set_complexity(enc, 11), "set complexity") }
            do {
                try OpusError.check(copus_enc_set_bitrate(enc, -5), "set bitrate")
                Issue.record("a negative bitrate was accepted")
            } catch let error as OpusError {
                #expect(error.description.contains("set bitrate"))
                #expect(error.reason == "invalid argument")
            }
        }
    }

    @Test func decoderShims() throws {
        var err: Int32 = 0
        guard let dec = opus_decoder_create(48000, 1, &err) else { throw OpusError(code: err, call: "opus_decoder_create") }
        defer { opus_decoder_destroy(dec) }
        var pcm = [Int16](repeating: 0, count: 960)
        // A lost packet (nil data) asks for concealment of one 20 ms frame.
        let n = try OpusError.check(opus_decode(dec, nil, 0, &pcm, 960, 0), "opus_decode")
        #expect(n == 960)
        var last: Int32 = 0
        try OpusError.check(copus_dec_get_last_packet_duration(dec, &last), "last duration")
        #expect(last == 960)
        try OpusError.check(copus_dec_reset(dec), "reset")
    }
}
