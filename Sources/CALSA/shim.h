#ifndef PTT_CALSA_SHIM_H
#define PTT_CALSA_SHIM_H
// ALSA reports errors twice: as return codes, which the Swift side funnels into one
// error type, and as "ALSA lib ..." lines on stderr, which would corrupt a curses
// screen. The handler below swallows the second kind and counts it instead.
#include <alsa/asoundlib.h>
#include <stdarg.h>

static unsigned long calsa_suppressed_messages_count = 0;

// Variadic handler type that Swift cannot express: ignores the message, counts it.
static void calsa_silent_handler(const char *file, int line, const char *function, int err, const char *fmt, ...) {
    (void)file; (void)line; (void)function; (void)err; (void)fmt;
    __atomic_add_fetch(&calsa_suppressed_messages_count, 1, __ATOMIC_RELAXED);
}

// Installs the silent handler for the whole process; returns ALSA's result code.
static inline int calsa_silence_errors(void) { return snd_lib_error_set_handler(calsa_silent_handler); }
// Restores ALSA's default handler, which prints to stderr.
static inline int calsa_restore_errors(void) { return snd_lib_error_set_handler(NULL); }
// How many messages the silent handler has swallowed.
static inline unsigned long calsa_suppressed_messages(void) { return __atomic_load_n(&calsa_suppressed_messages_count, __ATOMIC_RELAXED); }

// Format and stream constants are enums in C but read more plainly as values here.
static inline snd_pcm_format_t calsa_format_s16_le(void) { return SND_PCM_FORMAT_S16_LE; }
static inline snd_pcm_access_t calsa_access_rw_interleaved(void) { return SND_PCM_ACCESS_RW_INTERLEAVED; }

#endif
