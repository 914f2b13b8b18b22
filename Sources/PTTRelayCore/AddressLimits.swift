/// Limits per remote address, on top of the per-connection ones (`RelayConnection.Limits`):
/// reconnecting resets a connection's buckets, not its address's, and one address cannot hold
/// the relay's capacity. 0 turns a limit off.
public struct AddressLimits: Equatable, Sendable {
    /// Open connections (WebSocket or plain HTTP) from one address.
    public var maxConnections = 64
    /// Of those, connections that have not been welcomed (no `hello` yet, or plain HTTP).
    public var maxPending = 16
    /// Binary messages per second from all of an address's connections; bursts of twice that.
    public var binaryRate = 500
    /// Text messages per second from all of an address's connections; bursts of twice that.
    public var textRate = 100
    /// Addresses remembered at once: beyond, the one heard from longest ago with no connection open is forgotten.
    public var maxAddresses = 16_384
    /// Loopback addresses (127.0.0.0/8, ::1) are not limited: a relay behind a reverse proxy
    /// on the same machine, or hosted by `ptt join --host`, sees every client there.
    public var exemptLoopback = true

    public init() {}

    /// The key limits are kept under for an address given as its bytes (4 for IPv4, 16 for
    /// IPv6), or nil for an address that is not limited. IPv4 addresses are keyed alone (also
    /// when mapped into IPv6); IPv6 ones by their /64 prefix, the least a host is given.
    public func key(addressBytes b: [UInt8]) -> String? {
        if b.count == 16, b[0..<10].allSatisfy({ $0 == 0 }), b[10] == 0xFF, b[11] == 0xFF {
            return key(addressBytes: Array(b[12...]))
        }
        switch b.count {
        case 4:
            if exemptLoopback && b[0] == 127 { return nil }
            return b.map { String($0) }.joined(separator: ".")
        case 16:
            if exemptLoopback && b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return nil }
            let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(b[$0]) << 8 | UInt16(b[$0 + 1]), radix: 16) }
            return groups.joined(separator: ":") + "::/64"
        default:
            return nil
        }
    }
}
