// PTTScribeCore: what a scribe decides, with no recognizer, codec, socket or clock.
//
// Holds: `SpurtTracker` (where each member's spurts begin and end, as a listener hears the room:
// start and end flags, `talk` off, silence, the longest piece recognized at once, lost frames),
// `RecognitionSchedule` (which recognizer engine takes which spurt, the bounded backlog when every
// engine is busy, and what is dropped when it is full) and `TranscriptLine` (a transcript's JSON
// line).
//
// Imports: the standard library and PTTProtocol only. Time is `UInt64` nanoseconds passed in.
// Threads: value types; the scribe (PTTScribe) keeps them on its one serial queue.
