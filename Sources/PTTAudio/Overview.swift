// PTTAudio: ALSA devices, the Opus codec, speech processing (speexdsp) and the audio threads
// of a ptt client: the shell of PTTAudioCore. Imports PTTProtocol, PTTAudioCore,
// PTTRecordingCore, ALSA, Opus and speexdsp.
//
// Sending:   CaptureEngine (thread "ptt-capture": device → SampleRing)
//            → Transmitter (thread "ptt-transmit", woken once per frame: ring →
//              SpeechProcessor (echo cancellation, noise suppression, AGC; in place) →
//              TalkGate → OpusEncoder → Transmitter.Frame → sink, which stamps the source id)
// Receiving: Receiver.receive(frame) from any thread (network) → per-speaker JitterBuffer
//            PlaybackEngine (thread "ptt-playback": Receiver.render → decoders → Mixer → device,
//              and the mix → EchoReference → the transmit thread's echo canceller)
// Thread names are set on the threads, so `top -H` and profilers show them.
//
// Threads and ownership
// - Every blocking call (snd_pcm_readi/writei, waiting for samples) runs on a dedicated
//   pthread (`AudioThread`), never on the Swift concurrency pool.
// - A device is opened, used and closed by its engine thread only. Codec objects belong to
//   one thread: the speech processor and the encoder to the transmit thread, decoders to
//   the playback thread.
// - Shared state lives behind a `ConditionLock` held for microseconds (copying a period,
//   a jitter-buffer insert or decision, a mix); each class lists what its lock protects.
// - Callbacks (`Transmitter` sink, status handlers) run on audio threads: they must not
//   block. Hand frames to the network with a non-blocking queue (e.g. AsyncStream.yield).
//
// Devices
// - `AudioInput` / `AudioOutput` are the device protocols; `ALSADevice` is the real one,
//   `MemoryInput` / `MemoryOutput` are ideal in-memory devices for tests.
// - Devices that do not block (ALSA file/null plugins, memory devices) are paced by the
//   engines on the monotonic clock (`Pacer`), so audio never runs faster than real time.
// - A device that cannot be opened, or fails mid-session, never stops an engine: it reports
//   `DeviceStatus.unavailable(message:retryInMillis:)` and retries with backoff (0.25 s
//   doubling to 5 s). Playback keeps rendering (and discarding) in real time meanwhile.
