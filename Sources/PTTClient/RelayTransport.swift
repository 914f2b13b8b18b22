import PTTProtocol
import PTTSessionCore

/// What a connection to a relay reports. Events of one connection arrive in order, on one
/// thread at a time; `opened` comes before any message, and exactly one of `failed` (before
/// opening) or `closed` (after) ends the connection.
public enum TransportEvent: Equatable, Sendable {
    case opened(subprotocol: String?)
    case text([UInt8])
    case binary([UInt8])
    /// The open connection ended; nil when no close frame arrived (1006).
    case closed(code: UInt16?)
    /// The connection never opened.
    case failed(SessionCore.ConnectFailure)
}

/// One connection to a relay, as a session uses it. Sends may come from any thread.
public protocol RelayTransport: AnyObject, Sendable {
    /// Sends a control message. Never dropped while the connection is open.
    func send(text: [UInt8])
    /// Sends an audio frame; dropped (and counted) when the connection cannot keep up.
    func send(binary: [UInt8])
    /// Starts a clean close with `code`.
    func close(code: CloseCode)
}

/// Opens connections; the session asks for a new one on every (re)connect.
/// Each event names the connection it came from, so replies go to the right one even
/// before `connect` has returned it.
public protocol RelayConnector: Sendable {
    func connect(onEvent: @escaping @Sendable (any RelayTransport, TransportEvent) -> Void) -> any RelayTransport
}
