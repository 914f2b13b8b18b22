import CNATS
import Logging
import PTTRelayCore

/// The single floor of each room across the relays of a cluster, kept in a NATS JetStream
/// key-value bucket (`ptt_floor`): a relay claims a room's floor for its member by creating the
/// room's key, which succeeds for one claimant only; the key names the holder, is renewed every
/// second while the member talks, deleted when it stops, and expires 3 s after its last renewal
/// (a relay that died holding it).
///
/// Every call is a round trip to NATS, bounded by a 500 ms wait; `claim` runs on the event loop
/// of the member's connection (the frames after its `talk` on must wait for the answer), the
/// others from the relay's ticker.
final class ClusterFloor: @unchecked Sendable {
    static let bucket = "ptt_floor"
    /// The lease: a key not renewed for this long is gone.
    static let leaseNanos: Int64 = 3_000_000_000
    private let js: OpaquePointer
    private let kv: OpaquePointer

    enum Claim: Equatable {
        case granted
        case held(by: UInt32)
        /// NATS did not answer in time or has no JetStream: the relay decides alone.
        case unavailable
    }

    /// Binds to the bucket, making it when it is not there; nil when the servers have no
    /// JetStream (then each relay decides its rooms' floor alone).
    init?(connection: OpaquePointer, logger: Logger) {
        var options = jsOptions()
        jsOptions_Init(&options)
        options.Wait = 500
        var js: OpaquePointer?
        guard natsConnection_JetStream(&js, connection, &options) == NATS_OK, let js else { return nil }
        var kv: OpaquePointer?
        if js_KeyValue(&kv, js, Self.bucket) != NATS_OK || kv == nil {
            var config = kvConfig()
            kvConfig_Init(&config)
            let made: natsStatus = Self.bucket.withCString { name in
                config.Bucket = name
                config.History = 1
                config.TTL = Self.leaseNanos
                return js_CreateKeyValue(&kv, js, &config)
            }
            guard made == NATS_OK, kv != nil else {
                let why = nats_GetLastError(nil).map { String(cString: $0) } ?? "status \(made.rawValue)"
                logger.warning("cluster: no shared floor (the NATS servers need JetStream: nats-server -js): each relay decides the single floor of its rooms alone",
                               metadata: ["reason": "\(why)"])
                jsCtx_Destroy(js)
                return nil
            }
        }
        guard let kv else { return nil }
        self.js = js
        self.kv = kv
    }

    deinit {
        kvStore_Destroy(kv)
        jsCtx_Destroy(js)
    }

    static func key(_ room: String) -> String { ClusterSubject.room(room, .members).split(separator: ".")[2].description }

    /// Claims `room`'s floor for member `id`; `force` (an operator) takes it whoever holds it.
    func claim(room: String, id: UInt32, force: Bool) -> Claim {
        let key = Self.key(room)
        let value = Array(String(id).utf8)
        var rev: UInt64 = 0
        let status = value.withUnsafeBytes { raw in
            force ? kvStore_Put(&rev, kv, key, raw.baseAddress, Int32(raw.count)) : kvStore_Create(&rev, kv, key, raw.baseAddress, Int32(raw.count))
        }
        if status == NATS_OK { return .granted }
        var entry: OpaquePointer?
        guard kvStore_Get(&entry, kv, key) == NATS_OK, let entry else { return .unavailable }
        defer { kvEntry_Destroy(entry) }
        guard let text = kvEntry_ValueString(entry), let holder = UInt32(String(cString: text)) else { return .unavailable }
        return holder == id ? .granted : .held(by: holder)
    }

    /// Renews the lease of `room`'s floor for `id`.
    func renew(room: String, id: UInt32) {
        var rev: UInt64 = 0
        _ = kvStore_PutString(&rev, kv, Self.key(room), String(id))
    }

    /// Gives `room`'s floor back.
    func release(room: String) {
        _ = kvStore_Delete(kv, Self.key(room))
    }
}
