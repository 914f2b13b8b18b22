import Synchronization

/// Connects to the relays of a cluster in turn: the first connection goes to the first relay,
/// and each later one (a reconnect after a lost connection or a failed attempt, at the session's
/// usual backoff) to the next, round the list. The session keeps its name and room, so a member
/// whose relay goes away comes back through another relay of the cluster.
public final class FailoverConnector: RelayConnector {
    let connectors: [any RelayConnector]
    let next = Atomic<Int>(0)

    public init(_ connectors: [any RelayConnector]) {
        precondition(!connectors.isEmpty, "a failover needs a relay")
        self.connectors = connectors
    }

    public func connect(onEvent: @escaping @Sendable (any RelayTransport, TransportEvent) -> Void) -> any RelayTransport {
        let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
        return connectors[i % connectors.count].connect(onEvent: onEvent)
    }
}
