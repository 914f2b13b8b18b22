// PTTAudioCore: the decisions of a client's audio path, without devices or codecs.
//
// Holds: the talk gate (`TalkGate`: hold, toggle, voice activation, tail, pre-roll), each
// speaker's jitter buffer and adaptive playout (`JitterBuffer`, `PlayoutController`,
// `ArrivalStatistics`, `PullPattern`, `TimeStretcher`: docs/AUDIO.md "Playout"), the mixer (`Mixer`),
// levels (`AudioLevel`), cue tones, real-time pacing of devices that do not block (`Pacer`),
// the loss estimate that sets the encoder's FEC (`LossEstimator`), the echo canceller's
// alignment of the far end with its echo (`EchoAlignment`: docs/AUDIO.md "Echo cancellation"),
// device retry backoff and the resampler for audio files.
//
// Imports: the standard library and `PTTProtocol`. `PTTAudio` is its shell: ALSA, Opus and
// the audio threads carry out what these types decide.
//
// Threads: value types with no clock of their own: time is passed in (microseconds or
// nanoseconds of the monotonic clock, as each API says), so tests drive them with a manual
// clock and no device. The shell owns each value on one thread or behind its lock.
