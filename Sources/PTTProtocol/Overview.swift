// PTTProtocol: the wire contract of docs/PROTOCOL.md, shared by the client and the relay.
//
// Holds: binary audio frames (`AudioFrame`), control messages and their JSON (`ControlMessage`,
// `JSONValue`), validation of names and rooms, close codes and reconnect rules, relay URLs, the
// room listing of `GET /rooms`, the Opus packet TOC reader, the protocol version, the talk
// modes every side names (`TalkMode`), and the one rule for elapsed monotonic time (`elapsed`).
//
// Imports: the standard library only. Every other core imports this one and nothing else
// (settings also `PTTConfig`), so client and relay never keep two copies of a rule.
//
// Threads: value types and pure functions; safe from any thread.
