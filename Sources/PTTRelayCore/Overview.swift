// PTTRelayCore: the relay's rules.
//
// Holds: a room's state machine (`RoomState`: members, one name per person, floor, talk-time
// limits, operators, direct talk), what relays of a cluster tell each other (`ClusterMessage`:
// subjects, membership, heartbeats, the other relays' liveness; merged statistics), a
// connection's rules (`RelayConnection`: handshake, rates, sizes, timeouts), the send queue
// for slow receivers (`SendQueue`), token buckets, limits per remote address (`AddressTable`), id allocation, speaking statistics (with
// their timeline, drawn as SVG, and `Markup` for names in HTML) and the activity they are computed from, the metrics (`RelayMetric`: each declared once) and their
// snapshot, and the relay's settings
// (`RelaySettings`, from flags, `PTT_RELAY_*` and the TOML file).
//
// Imports: the standard library, `PTTProtocol` and `PTTConfig`. `PTTRelay` is its shell
// (Hummingbird and SwiftNIO); neither links audio, terminal or client code.
//
// Threads: value types driven by actions and time passed in as nanoseconds of the monotonic
// clock; the shell keeps each room behind one mutex and each connection on its event loop.
