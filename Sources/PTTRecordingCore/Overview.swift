// PTTRecordingCore: how audio is stored in files, for the relay's recordings and the client's.
//
// Holds: Ogg pages and their CRC (`OggPage`), an Ogg Opus stream built from the wire's Opus
// packets without decoding them (`OggOpusWriter`), and WAV headers (`WAVHeader`).
//
// Imports: the standard library and `PTTProtocol`. It touches no codec and no file: callers
// write the bytes it returns. That is why the relay can record without linking audio code.
//
// Threads: value types; one writer per stream, owned by whoever writes that file.
