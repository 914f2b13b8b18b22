#ifndef PTT_CPOCKETSPHINX_SHIM_H
#define PTT_CPOCKETSPHINX_SHIM_H
// PocketSphinx (0.8+5prealpha, Debian's libpocketsphinx) recognizes the scribe's spurts.
// Swift cannot call its variadic configuration (cmd_ln_init) nor see the TRUE/FALSE macros its
// calls take: each wrapper below is one call, typed, with a one-line reason.
#include <pocketsphinx.h>
#include <sphinxbase/err.h>

// Silences the library's log (it writes every configuration value and utterance to stderr by
// default, which would bury ptt's own messages). Global to the process: call once, before any
// decoder is made.
static inline void cps_silence_log(void) { err_set_logfp(NULL); }

// A configuration of the acoustic model directory, the language model and the dictionary;
// NULL when an argument is refused. Free it with cmd_ln_free_r.
static inline cmd_ln_t *cps_config(const char *hmm, const char *lm, const char *dict) {
    return cmd_ln_init(NULL, ps_args(), TRUE, "-hmm", hmm, "-lm", lm, "-dict", dict, "-logfn", "/dev/null", NULL);
}

// Feeds 16 kHz mono samples to the current utterance (not a whole utterance, search not
// restricted): the number of frames searched, or a negative number on failure.
static inline int cps_process(ps_decoder_t *ps, const int16 *samples, size_t count) {
    return ps_process_raw(ps, samples, count, FALSE, FALSE);
}

#endif
