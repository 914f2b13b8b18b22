// PTTScribe: the scribe's shell. It joins a room as a listener, decodes each speaker's Opus at
// 16 kHz, recognizes each spurt and sends `caption` messages to the room; it writes transcripts.
//
// Holds: `RecognitionEngine` (one utterance at a time) with its two kinds, `PocketSphinxEngine`
// (Debian's PocketSphinx behind the CPocketSphinx shim, errors through `RecognizerError`) and
// `CommandEngine` (any program reading 16 kHz S16LE on stdin and writing the text, killed after a
// timeout); `TranscriptWriter` (its own thread, bounded queue, one flushed line per spurt; a
// failed write is logged and counted, never fatal); `Scribe` (the session, the tracker and the
// schedule of PTTScribeCore, and the engines).
//
// Links PocketSphinx, Opus (through PTTAudio's decoder) and the client; never the relay, which
// hosts a scribe only through the `ptt` command (a loopback client).
//
// Threads: `Scribe` keeps its state on one serial dispatch queue; each engine runs on its own
// serial queue (a PocketSphinx decoder is not thread-safe, and one engine recognizes one spurt at
// a time); the writer on its thread. Session handlers only hand work to the scribe's queue.
