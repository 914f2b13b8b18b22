#ifndef PTT_COPUS_SHIM_H
#define PTT_COPUS_SHIM_H
// Opus configures codecs through the variadic opus_*_ctl calls and request macros,
// which Swift cannot call. Each wrapper below is one request, typed.
#include <opus.h>

// Encoder: target bitrate in bit/s (OPUS_AUTO or OPUS_BITRATE_MAX allowed).
static inline int copus_enc_set_bitrate(OpusEncoder *e, opus_int32 v) { return opus_encoder_ctl(e, OPUS_SET_BITRATE(v)); }
static inline int copus_enc_get_bitrate(OpusEncoder *e, opus_int32 *v) { return opus_encoder_ctl(e, OPUS_GET_BITRATE(v)); }
// Encoder: 0..10, higher costs more CPU and sounds better.
static inline int copus_enc_set_complexity(OpusEncoder *e, opus_int32 v) { return opus_encoder_ctl(e, OPUS_SET_COMPLEXITY(v)); }
static inline int copus_enc_get_complexity(OpusEncoder *e, opus_int32 *v) { return opus_encoder_ctl(e, OPUS_GET_COMPLEXITY(v)); }
// Encoder: 1 = variable bitrate, 0 = constant.
static inline int copus_enc_set_vbr(OpusEncoder *e, opus_int32 v) { return opus_encoder_ctl(e, OPUS_SET_VBR(v)); }
static inline int copus_enc_get_vbr(OpusEncoder *e, opus_int32 *v) { return opus_encoder_ctl(e, OPUS_GET_VBR(v)); }
// Encoder: in-band forward error correction (LBRR) on/off.
static inline int copus_enc_set_inband_fec(OpusEncoder *e, opus_int32 v) { return opus_encoder_ctl(e, OPUS_SET_INBAND_FEC(v)); }
static inline int copus_enc_get_inband_fec(OpusEncoder *e, opus_int32 *v) { return opus_encoder_ctl(e, OPUS_GET_INBAND_FEC(v)); }
// Encoder: expected packet loss in percent (0..100); drives how much FEC is spent.
static inline int copus_enc_set_packet_loss_perc(OpusEncoder *e, opus_int32 v) { return opus_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC(v)); }
static inline int copus_enc_get_packet_loss_perc(OpusEncoder *e, opus_int32 *v) { return opus_encoder_ctl(e, OPUS_GET_PACKET_LOSS_PERC(v)); }
// Encoder: discontinuous transmission on/off.
static inline int copus_enc_set_dtx(OpusEncoder *e, opus_int32 v) { return opus_encoder_ctl(e, OPUS_SET_DTX(v)); }
static inline int copus_enc_get_dtx(OpusEncoder *e, opus_int32 *v) { return opus_encoder_ctl(e, OPUS_GET_DTX(v)); }
// Encoder: signal type hint (OPUS_AUTO, OPUS_SIGNAL_VOICE, OPUS_SIGNAL_MUSIC).
static inline int copus_enc_set_signal(OpusEncoder *e, opus_int32 v) { return opus_encoder_ctl(e, OPUS_SET_SIGNAL(v)); }
static inline int copus_enc_get_signal(OpusEncoder *e, opus_int32 *v) { return opus_encoder_ctl(e, OPUS_GET_SIGNAL(v)); }
// Encoder: widest audio band the encoder may use (OPUS_BANDWIDTH_*); at speech bitrates,
// capping it at wideband keeps the bits below 8 kHz where intelligibility lives.
static inline int copus_enc_set_max_bandwidth(OpusEncoder *e, opus_int32 v) { return opus_encoder_ctl(e, OPUS_SET_MAX_BANDWIDTH(v)); }
static inline int copus_enc_get_max_bandwidth(OpusEncoder *e, opus_int32 *v) { return opus_encoder_ctl(e, OPUS_GET_MAX_BANDWIDTH(v)); }
// Encoder: algorithmic lookahead in samples at the codec's rate.
static inline int copus_enc_get_lookahead(OpusEncoder *e, opus_int32 *v) { return opus_encoder_ctl(e, OPUS_GET_LOOKAHEAD(v)); }
// Encoder / decoder: back to the freshly initialised state, keeping the settings.
static inline int copus_enc_reset(OpusEncoder *e) { return opus_encoder_ctl(e, OPUS_RESET_STATE); }
static inline int copus_dec_reset(OpusDecoder *d) { return opus_decoder_ctl(d, OPUS_RESET_STATE); }
// Decoder: duration in samples of the last packet decoded or concealed.
static inline int copus_dec_get_last_packet_duration(OpusDecoder *d, opus_int32 *v) { return opus_decoder_ctl(d, OPUS_GET_LAST_PACKET_DURATION(v)); }

// Constants defined as macros, exported as values.
static inline int copus_ok(void) { return OPUS_OK; }
static inline int copus_application_voip(void) { return OPUS_APPLICATION_VOIP; }
static inline int copus_application_restricted_lowdelay(void) { return OPUS_APPLICATION_RESTRICTED_LOWDELAY; }
static inline int copus_signal_voice(void) { return OPUS_SIGNAL_VOICE; }
static inline int copus_auto(void) { return OPUS_AUTO; }
static inline int copus_bandwidth_wideband(void) { return OPUS_BANDWIDTH_WIDEBAND; }
static inline int copus_bandwidth_superwideband(void) { return OPUS_BANDWIDTH_SUPERWIDEBAND; }
static inline int copus_bandwidth_fullband(void) { return OPUS_BANDWIDTH_FULLBAND; }

#endif
