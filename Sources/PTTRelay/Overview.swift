// PTTRelay: the relay server on Hummingbird and SwiftNIO.
//
// Holds: the HTTP endpoints (health, rooms, stats, metrics, dashboard), the WebSocket upgrade
// and its checks, each member's connection, the hub of rooms, the recorder, counters, the
// operators' bars, the cluster (`ClusterLink`: NATS through the CNATS shim, errors through
// `NATSError`; `ClusterFloor`: the shared single floor in JetStream; `Hub+Cluster`) and the
// `ptt relay` / `ptt-relay` command (with `RelayGuest`, what `ptt relay` may run inside it).
//
// Imports: `PTTProtocol`, `PTTConfig`, `PTTRelayCore`, `PTTRecordingCore`, Hummingbird, SwiftNIO
// and CNATS. Never audio, terminal or client code (ShapeTests checks the imports and `ldd`).
//
// Threads: each connection lives on its event loop; a room's state is behind its mutex and
// the messages it sends are queued while that mutex is held, so every member sees one order.
// Recordings are written on their own thread, off the event loops. NATS messages arrive on the
// C client's threads and take the same room mutexes.
