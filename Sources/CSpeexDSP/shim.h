#ifndef PTT_CSPEEXDSP_SHIM_H
#define PTT_CSPEEXDSP_SHIM_H
// speexdsp configures its preprocessor through speex_preprocess_ctl(state, request, void *),
// whose argument type depends on the request (spx_int32_t for most, float for the AGC level).
// Each wrapper below is one request, typed, so that Swift never passes the wrong kind of pointer.
// Every wrapper returns speex_preprocess_ctl's result: 0 on success, -1 for an unknown request.
// speexdsp prints "warning: ..." on stderr for an unknown request and for any SET_VAD (even
// to switch it off), which would corrupt a curses screen: there is no VAD wrapper here (the
// detector is off in a new state, and ptt's talk gate decides what is speech).
#include <speex/speex_preprocess.h>
#include <speex/speex_echo.h>

// Noise suppression on (1) or off (0).
static inline int cspx_pre_set_denoise(SpeexPreprocessState *s, spx_int32_t on) { return speex_preprocess_ctl(s, SPEEX_PREPROCESS_SET_DENOISE, &on); }
static inline int cspx_pre_get_denoise(SpeexPreprocessState *s, spx_int32_t *on) { return speex_preprocess_ctl(s, SPEEX_PREPROCESS_GET_DENOISE, on); }
// Largest attenuation of noise, in dB (a negative number, speexdsp's default is -15).
static inline int cspx_pre_set_noise_suppress(SpeexPreprocessState *s, spx_int32_t db) { return speex_preprocess_ctl(s, SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, &db); }
static inline int cspx_pre_get_noise_suppress(SpeexPreprocessState *s, spx_int32_t *db) { return speex_preprocess_ctl(s, SPEEX_PREPROCESS_GET_NOISE_SUPPRESS, db); }
// Automatic gain control on (1) or off (0).
static inline int cspx_pre_set_agc(SpeexPreprocessState *s, spx_int32_t on) { return speex_preprocess_ctl(s, SPEEX_PREPROCESS_SET_AGC, &on); }
static inline int cspx_pre_get_agc(SpeexPreprocessState *s, spx_int32_t *on) { return speex_preprocess_ctl(s, SPEEX_PREPROCESS_GET_AGC, on); }
// Loudness the AGC steers speech toward, on the 16-bit sample scale (takes a float).
static inline int cspx_pre_set_agc_level(SpeexPreprocessState *s, float level) { return speex_preprocess_ctl(s, SPEEX_PREPROCESS_SET_AGC_LEVEL, &level); }
static inline int cspx_pre_get_agc_level(SpeexPreprocessState *s, float *level) { return speex_preprocess_ctl(s, SPEEX_PREPROCESS_GET_AGC_LEVEL, level); }
// Largest gain the AGC may apply, in dB.
static inline int cspx_pre_set_agc_max_gain(SpeexPreprocessState *s, spx_int32_t db) { return speex_preprocess_ctl(s, SPEEX_PREPROCESS_SET_AGC_MAX_GAIN, &db); }
static inline int cspx_pre_get_agc_max_gain(SpeexPreprocessState *s, spx_int32_t *db) { return speex_preprocess_ctl(s, SPEEX_PREPROCESS_GET_AGC_MAX_GAIN, db); }
// How fast the AGC may raise (increment) or lower (decrement, negative) its gain, in dB per second.
static inline int cspx_pre_set_agc_increment(SpeexPreprocessState *s, spx_int32_t db) { return speex_preprocess_ctl(s, SPEEX_PREPROCESS_SET_AGC_INCREMENT, &db); }
static inline int cspx_pre_set_agc_decrement(SpeexPreprocessState *s, spx_int32_t db) { return speex_preprocess_ctl(s, SPEEX_PREPROCESS_SET_AGC_DECREMENT, &db); }
// The AGC's present gain, in dB (rounded).
static inline int cspx_pre_get_agc_gain(SpeexPreprocessState *s, spx_int32_t *percent) { return speex_preprocess_ctl(s, SPEEX_PREPROCESS_GET_AGC_GAIN, percent); }
// The probability, in percent, that the last block processed was speech (the preprocessor's own
// estimate, computed whether or not its VAD is on; reading it prints nothing).
static inline int cspx_pre_get_prob(SpeexPreprocessState *s, spx_int32_t *percent) { return speex_preprocess_ctl(s, SPEEX_PREPROCESS_GET_PROB, percent); }
// Dereverberation on (1) or off (0).
static inline int cspx_pre_set_dereverb(SpeexPreprocessState *s, spx_int32_t on) { return speex_preprocess_ctl(s, SPEEX_PREPROCESS_SET_DEREVERB, &on); }
// The echo canceller whose residual echo the preprocessor suppresses too (NULL: none).
static inline int cspx_pre_set_echo_state(SpeexPreprocessState *s, SpeexEchoState *echo) { return speex_preprocess_ctl(s, SPEEX_PREPROCESS_SET_ECHO_STATE, echo); }

// The echo canceller is configured through speex_echo_ctl(state, request, void *), as the
// preprocessor is: one typed wrapper per request. Each returns 0 on success, -1 when unknown.
// The sample rate of both signals (the state assumes 8000 until told).
static inline int cspx_echo_set_sampling_rate(SpeexEchoState *s, spx_int32_t rate) { return speex_echo_ctl(s, SPEEX_ECHO_SET_SAMPLING_RATE, &rate); }
static inline int cspx_echo_get_sampling_rate(SpeexEchoState *s, spx_int32_t *rate) { return speex_echo_ctl(s, SPEEX_ECHO_GET_SAMPLING_RATE, rate); }
// The block the canceller works on, in samples.
static inline int cspx_echo_get_frame_size(SpeexEchoState *s, spx_int32_t *size) { return speex_echo_ctl(s, SPEEX_ECHO_GET_FRAME_SIZE, size); }
// The length of its filter (the echo tail it can model), in samples.
static inline int cspx_echo_get_impulse_response_size(SpeexEchoState *s, spx_int32_t *size) { return speex_echo_ctl(s, SPEEX_ECHO_GET_IMPULSE_RESPONSE_SIZE, size); }

#endif
