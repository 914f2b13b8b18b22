// PTTSessionCore: a client's session with a relay, as a state machine.
//
// Holds: `SessionCore` (connect, hello, welcome, roster, talk, reconnect with backoff, the
// plain-forwarder mode), the roster (`Roster`), the events a session reports
// (`SessionEvent` and their `--json` form) and the script commands of `ptt join --json`.
//
// Imports: the standard library and `PTTProtocol`. `PTTClient` is its shell: it executes the
// actions the core returns on real WebSocket connections.
//
// Threads: value types driven with time passed in, as nanoseconds on the monotonic clock
// (`nextDeadline` says when to call again); the shell keeps the core behind one mutex.
