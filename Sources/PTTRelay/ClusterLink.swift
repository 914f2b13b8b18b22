import Glibc
import CNATS
import Logging
import PTTRelayCore
import Synchronization

/// A NATS failure: the client's status and its text, from the one funnel `check`.
struct NATSError: Error, CustomStringConvertible {
    var code: Int32
    var call: String
    var description: String

    /// The one funnel for the C client's status codes.
    static func check(_ status: Int32, _ call: String) throws(NATSError) {
        guard status != cnats_ok() else { return }
        let text = natsStatus_GetText(natsStatus(UInt32(bitPattern: status))).map { String(cString: $0) } ?? "status \(status)"
        throw NATSError(code: status, call: call, description: "\(call): \(text)")
    }
}

/// The relay's connection to a NATS cluster (the official C client, which reconnects by itself
/// and keeps subscriptions across reconnects): subscribe to a room's subjects, publish to them.
/// Messages arrive on the client's own threads and go straight to `onMessage`; never our own
/// (no echo).
final class ClusterLink: @unchecked Sendable {
    let connection: OpaquePointer
    private let subscriptions = Mutex<[String: Subscription]>([:])
    /// A subscription handle; the client's calls on it are thread-safe.
    struct Subscription: @unchecked Sendable { let pointer: OpaquePointer }
    let logger: Logger
    let onMessage: @Sendable (String, [UInt8]) -> Void
    let onReconnect: @Sendable () -> Void
    /// Whether the NATS connection is up now (`/metrics`, the log).
    let connected = Atomic<Bool>(false)

    /// Connects (waiting up to 2 s for the first server, then retrying in the background as
    /// after any disconnection, so a relay starts even while NATS is down).
    init(servers: [String], name: String, logger: Logger, onMessage: @escaping @Sendable (String, [UInt8]) -> Void,
         onReconnect: @escaping @Sendable () -> Void) throws(NATSError) {
        self.logger = logger
        self.onMessage = onMessage
        self.onReconnect = onReconnect
        var options: OpaquePointer?
        try NATSError.check(Int32(bitPattern: natsOptions_Create(&options).rawValue), "natsOptions_Create")
        guard let options else { throw NATSError(code: -1, call: "natsOptions_Create", description: "natsOptions_Create gave nothing") }
        defer { natsOptions_Destroy(options) }
        var urls = servers.map { strdup($0) }
        defer { urls.forEach { free($0) } }
        try urls.withUnsafeMutableBufferPointer { buffer throws(NATSError) in
            let pointers = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: buffer.count)
            defer { pointers.deallocate() }
            for i in 0..<buffer.count { pointers[i] = UnsafePointer(buffer[i]) }
            try NATSError.check(Int32(bitPattern: natsOptions_SetServers(options, pointers, Int32(buffer.count)).rawValue), "natsOptions_SetServers")
        }
        try NATSError.check(Int32(bitPattern: natsOptions_SetName(options, name).rawValue), "natsOptions_SetName")
        try NATSError.check(Int32(bitPattern: natsOptions_SetNoEcho(options, true).rawValue), "natsOptions_SetNoEcho")
        // The servers in the order given: the first is this relay's own, the others its fallbacks.
        try NATSError.check(Int32(bitPattern: natsOptions_SetNoRandomize(options, true).rawValue), "natsOptions_SetNoRandomize")
        try NATSError.check(Int32(bitPattern: natsOptions_SetMaxReconnect(options, -1).rawValue), "natsOptions_SetMaxReconnect")
        try NATSError.check(Int32(bitPattern: natsOptions_SetReconnectWait(options, 500).rawValue), "natsOptions_SetReconnectWait")
        try NATSError.check(Int32(bitPattern: natsOptions_SetPingInterval(options, 1000).rawValue), "natsOptions_SetPingInterval")
        try NATSError.check(Int32(bitPattern: natsOptions_SetMaxPingsOut(options, 2).rawValue), "natsOptions_SetMaxPingsOut")
        try NATSError.check(Int32(bitPattern: natsOptions_SetTimeout(options, 2000).rawValue), "natsOptions_SetTimeout")
        let box = ClusterLinkBox()
        // Retained for the connection's life: its callbacks may come until it is destroyed.
        let context = Unmanaged.passRetained(box).toOpaque()
        // With a callback for the first connection, connecting does not block while no server answers.
        try NATSError.check(Int32(bitPattern: natsOptions_SetRetryOnFailedConnect(options, true, { _, context in
            guard let context else { return }
            Unmanaged<ClusterLinkBox>.fromOpaque(context).takeUnretainedValue().link?.changed(up: true)
        }, context).rawValue), "natsOptions_SetRetryOnFailedConnect")
        try NATSError.check(Int32(bitPattern: natsOptions_SetDisconnectedCB(options, { _, context in
            guard let context else { return }
            Unmanaged<ClusterLinkBox>.fromOpaque(context).takeUnretainedValue().link?.changed(up: false)
        }, context).rawValue), "natsOptions_SetDisconnectedCB")
        try NATSError.check(Int32(bitPattern: natsOptions_SetReconnectedCB(options, { _, context in
            guard let context else { return }
            Unmanaged<ClusterLinkBox>.fromOpaque(context).takeUnretainedValue().link?.changed(up: true)
        }, context).rawValue), "natsOptions_SetReconnectedCB")
        var conn: OpaquePointer?
        let status = cnats_connect(&conn, options)
        // Not yet connected is fine: the client keeps trying in the background.
        if status != cnats_ok(), status != Int32(bitPattern: NATS_NOT_YET_CONNECTED.rawValue) {
            try NATSError.check(status, "natsConnection_Connect")
        }
        guard let conn else { throw NATSError(code: -1, call: "natsConnection_Connect", description: "natsConnection_Connect gave no connection") }
        connection = conn
        box.link = self
        connected.store(status == cnats_ok(), ordering: .relaxed)
        if status != cnats_ok() { logger.warning("cluster: no NATS server reachable yet; local rooms work, retrying", metadata: ["servers": "\(servers.joined(separator: ","))"]) }
    }

    deinit {
        natsConnection_Destroy(connection)
    }

    func changed(up: Bool) {
        connected.store(up, ordering: .relaxed)
        if up {
            logger.notice("cluster: NATS connection back")
            onReconnect()
        } else {
            logger.warning("cluster: NATS connection lost; local rooms go on, reconnecting")
        }
    }

    /// Receives every message on `room`'s subjects from now on.
    func subscribe(room: String) {
        let subject = ClusterSubject.roomWildcard(room)
        subscribe(subject, key: room)
    }

    func subscribe(_ subject: String, key: String) {
        guard subscriptions.withLock({ $0[key] == nil }) else { return }
        var sub: OpaquePointer?
        let context = Unmanaged.passUnretained(self).toOpaque()
        let status = natsConnection_Subscribe(&sub, connection, subject, { _, _, msg, context in
            guard let msg, let context else { return }
            defer { natsMsg_Destroy(msg) }
            let link = Unmanaged<ClusterLink>.fromOpaque(context).takeUnretainedValue()
            guard let subjectPointer = natsMsg_GetSubject(msg) else { return }
            let count = Int(natsMsg_GetDataLength(msg))
            var bytes: [UInt8] = []
            if count > 0, let data = natsMsg_GetData(msg) {
                bytes = Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(data), count: count))
            }
            link.onMessage(String(cString: subjectPointer), bytes)
        }, context)
        do {
            try NATSError.check(Int32(bitPattern: status.rawValue), "natsConnection_Subscribe")
            if let sub { subscriptions.withLock { $0[key] = Subscription(pointer: sub) } }
            // The server knows of the subscription before anything this relay publishes next
            // (its roster request): otherwise an answer could go out before we listen for it.
            if connected.load(ordering: .relaxed) { _ = natsConnection_FlushTimeout(connection, 250) }
        } catch {
            logger.error("cluster: cannot subscribe to \(subject): \(error)")
        }
    }

    func unsubscribe(room: String) {
        guard let sub = subscriptions.withLock({ $0.removeValue(forKey: room) }) else { return }
        natsSubscription_Unsubscribe(sub.pointer)
        natsSubscription_Destroy(sub.pointer)
    }

    /// Publishes (buffered by the client while disconnected, up to its reconnect buffer).
    func publish(_ subject: String, _ bytes: [UInt8]) {
        let status = bytes.withUnsafeBytes { raw in
            natsConnection_Publish(connection, subject, raw.baseAddress, Int32(raw.count))
        }
        if status != NATS_OK, connected.load(ordering: .relaxed) {
            logger.debug("cluster: publish failed", metadata: ["subject": "\(subject)", "status": "\(status.rawValue)"])
        }
    }

    /// Closes the connection (its subscriptions go with it).
    func close() {
        let subs = subscriptions.withLock { s -> [Subscription] in
            defer { s.removeAll() }
            return Array(s.values)
        }
        for sub in subs { natsSubscription_Destroy(sub.pointer) }
        natsConnection_Close(connection)
    }
}

/// Lets the connection's callbacks, set before the link exists, reach it.
final class ClusterLinkBox: @unchecked Sendable {
    weak var link: ClusterLink?
}
