// PTTClient: a session's connections to a relay over SwiftNIO WebSockets.
//
// Holds: `ClientSession` (runs a `SessionCore`: executes its actions, feeds it transport events,
// audio and time), the WebSocket transport and connector (ws:// and wss://), the failover
// connector (the relays of a cluster in turn), and plain HTTP fetches (`GET /rooms`).
//
// Imports: `PTTProtocol`, `PTTSessionCore` and SwiftNIO. No devices, no terminal.
//
// Threads: NIO's event loop delivers transport events; audio frames come from the audio
// threads and commands from the UI; the core is behind one mutex held while it computes.
