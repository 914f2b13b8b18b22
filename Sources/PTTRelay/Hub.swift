import Logging
import NIOCore
import PTTProtocol
import PTTRelayCore
import Synchronization
import PTTSystem

/// The relay's shared state: rooms, ids, connections, counters.
///
/// Any task may call it. `state` (rooms, ids, live connections) is behind a mutex taken
/// briefly, never while a room's mutex is held (lock order: hub, room, connection).
final class Hub: Sendable {
    struct State: Sendable {
        var rooms: [String: RoomBox] = [:]
        var ids = IDAllocator(first: UInt32.random(in: 1...1_000_000))
        var connections: [UInt64: MemberConnection] = [:]
        var nextSerial: UInt64 = 1
        var members = 0
        var shuttingDown = false
        /// The recent spurts (and whether asking for them is off) of rooms that emptied, so a
        /// late joiner still gets them: at most `keptHistories` rooms, the most recently emptied.
        var histories: [String: (recent: RecentSpurts, off: Bool)] = [:]
        var historyOrder: [String] = []
    }

    let settings: RelaySettings
    let logger: Logger
    let counters = Counters()
    let state = Mutex(State())
    /// Speaking statistics of the rooms active lately (`GET /stats`).
    let stats: Mutex<SpeakingStats>
    /// Recordings and telemetry, with `--record`.
    let recorder: RelayRecorder?
    /// Connections and message rates per remote address.
    let addresses: AddressGuard
    /// Told the name of a room whose members changed (a join or a leave), after the change, on
    /// the thread that made it; set once before the relay runs (`RelayServer.observeRooms`).
    let roomObserver = Mutex<(@Sendable (String) -> Void)?>(nil)
    /// Members an operator removed, by room: barred by name (and by address, when it is not
    /// loopback) until a time. Its own lock, taken inside a room's and never around another.
    let bans = Mutex<[String: [Ban]]>([:])
    struct Ban: Sendable {
        var key: String
        var address: String?
        var until: UInt64
    }
    /// Rooms nobody is in whose recent spurts are kept (each at most `RecentSpurts.maxBytes`).
    static let keptHistories = 64
    static let maxBansPerRoom = 256
    static let maxBannedRooms = 4096
    /// The cluster this relay is part of (`--cluster`), nil when it stands alone.
    let cluster: ClusterRuntime?

    init(settings: RelaySettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        var stats = SpeakingStats()
        stats.idleRoomTimeout = UInt64(settings.statsKeepMinutes) * 60 * 1_000_000_000
        self.stats = Mutex(stats)
        addresses = AddressGuard(limits: settings.addresses)
        if settings.cluster.isEmpty {
            cluster = nil
        } else {
            let runtime = ClusterRuntime(servers: settings.cluster)
            cluster = runtime
            // Ids from this relay's own block, so the cluster's members never share one.
            state.withLock { $0.ids = IDAllocator(clusterPrefix: runtime.prefix, first: UInt32.random(in: 0...0xF_FFFF)) }
        }
        if let directory = settings.recordDirectory {
            recorder = RelayRecorder(directory: directory, counters: counters, logger: logger)
        } else {
            recorder = nil
        }
    }

    // MARK: Connections

    /// Registers a new connection; nil when the relay is shutting down.
    func connect(room: String, op: Bool = false, channel: any Channel, address: AddressSlot?, now: UInt64) -> MemberConnection? {
        let conn: MemberConnection? = state.withLock { s in
            guard !s.shuttingDown else { return nil }
            let serial = s.nextSerial
            s.nextSerial += 1
            let c = MemberConnection(serial: serial, room: room, op: op, channel: channel, address: address, settings: settings,
                                     logger: logger, counters: counters, now: now)
            s.connections[serial] = c
            return c
        }
        if conn != nil {
            counters.add(.connections)
            counters.add(.connectionsTotal)
        }
        return conn
    }

    func disconnect(_ conn: MemberConnection) {
        leave(conn)
        let removed = state.withLock { $0.connections.removeValue(forKey: conn.serial) != nil }
        if removed { counters.subtract(.connections) }
    }

    var connectionCount: Int { state.withLock { $0.connections.count } }

    // MARK: Rooms

    /// Admits a connection that said a valid `hello` to its room; a close reason if it cannot
    /// (the relay is full, the room is full, another member has that name).
    func admit(_ conn: MemberConnection, hello: Hello, now: UInt64) -> CloseReason? {
        enum Outcome { case joined, full, retry, refused(CloseReason), replace(MemberConnection?) }
        let key = NameNormalization.skeleton(hello.name)
        if let minutes = barred(room: conn.roomName, key: key, address: conn.address?.key, now: now) {
            return CloseReason(.removed, "an operator removed you from room \"\(conn.roomName)\": you may join again in \(minutes) minute\(minutes == 1 ? "" : "s")")
        }
        var replaced = 0
        while true {
            let picked: (RoomBox, UInt32)? = state.withLock { s in
                guard s.members < settings.maxConnections else { return nil }
                let box: RoomBox
                if let existing = s.rooms[conn.roomName] {
                    box = existing
                } else {
                    guard s.rooms.count < settings.maxRooms else { return nil }
                    box = RoomBox(RoomState(name: conn.roomName, floor: settings.floor(for: conn.roomName),
                                            maxTalk: settings.maxTalkNanos(for: conn.roomName)))
                    if let kept = s.histories.removeValue(forKey: conn.roomName) {
                        s.historyOrder.removeAll { $0 == conn.roomName }
                        box.core.withLock { core in
                            core.recent = kept.recent
                            core.room.restore(historyOff: kept.off)
                        }
                    }
                    s.rooms[conn.roomName] = box
                }
                guard let id = s.ids.allocate() else { return nil }
                s.members += 1
                return (box, id)
            }
            guard let (box, id) = picked else {
                return CloseReason(.roomFull, "the relay has its maximum number of rooms or connections")
            }
            let outcome: Outcome = box.core.withLock { core in
                if core.removed { return .retry }
                guard core.room.count < settings.maxRoomMembers else { return .full }
                switch core.room.admit(id: id, name: hello.name, key: key, listen: hello.listen, session: hello.from, op: conn.op,
                                       normalize: NameNormalization.nfkc) {
                case .refuse(let reason):
                    return .refused(reason)
                case .replace(let old):
                    if core.members[old] == nil, core.remote[old] != nil {
                        // The same client, come over from another relay of the cluster (its relay
                        // died): its old membership there ends here, at once.
                        execute(core.room.leave(id: old), in: &core)
                        core.remote[old] = nil
                        return .retry
                    }
                    return .replace(core.members[old])
                case .welcome(let actions):
                    core.add(id, conn)
                    conn.welcomed(id: id, room: box)
                    execute(actions, in: &core)
                    return .joined
                }
            }
            switch outcome {
            case .joined:
                if let address = conn.address { addresses.welcomed(address) }
                roomObserver.withLock { $0 }?(box.name)
                if cluster != nil {
                    clusterJoined(box, peer: ClusterPeer(Peer(id: id, name: hello.name, listen: hello.listen, op: conn.op), session: hello.from))
                }
                logger.info("join", metadata: ["conn": "\(conn.serial)", "room": "\(box.name)", "id": "\(id)", "listen": "\(hello.listen)"])
                return nil
            case .retry, .full, .refused, .replace:
                state.withLock { s in
                    s.ids.release(id)
                    s.members -= 1
                }
                switch outcome {
                case .full:
                    removeIfEmpty(box)
                    return .roomFull
                case .refused(let reason):
                    removeIfEmpty(box)
                    return reason
                case .replace(let old?) where replaced < 3:
                    // The same client joined again: its old connection is gone or going.
                    replaced += 1
                    leave(old)
                    old.close(CloseReason(.nameTaken, "the same client joined again on another connection"))
                case .replace:
                    removeIfEmpty(box)
                    return CloseReason(.tryAgainLater, "the name's previous connection is still leaving")
                default:
                    removeIfEmpty(box)
                }
            }
        }
    }

    /// Takes a member out of its room (idempotent): `talk` off if it was talking, `leave`.
    func leave(_ conn: MemberConnection) {
        guard let (id, box) = conn.takeMembership() else { return }
        let lastHere = box.core.withLock { core -> Bool in
            core.remove(id)
            execute(core.room.leave(id: id), in: &core)
            guard cluster != nil, core.members.isEmpty else { return false }
            // Nobody of ours is left: the others' members are no concern of this relay now.
            for rid in core.remote.keys.sorted() { _ = core.room.leave(id: rid) }
            _ = core.activity.observe(core.room)
            core.remote.removeAll()
            return true
        }
        if cluster != nil { clusterLeft(box, id: id, lastHere: lastHere) }
        state.withLock { s in
            s.ids.release(id)
            s.members -= 1
        }
        removeIfEmpty(box)
        roomObserver.withLock { $0 }?(box.name)
        logger.info("leave", metadata: ["conn": "\(conn.serial)", "room": "\(box.name)", "id": "\(id)"])
    }

    private func removeIfEmpty(_ box: RoomBox) {
        state.withLock { s in
            box.core.withLock { core in
                guard core.room.isEmpty, !core.removed else { return }
                core.removed = true
                if s.rooms[box.name] === box { s.rooms[box.name] = nil }
                if recorder != nil, !core.recent.spurts.isEmpty || core.room.historyOff {
                    s.histories[box.name] = (core.recent, core.room.historyOff)
                    s.historyOrder.removeAll { $0 == box.name }
                    s.historyOrder.append(box.name)
                    while s.historyOrder.count > Self.keptHistories { s.histories[s.historyOrder.removeFirst()] = nil }
                }
                // Queued behind the room's last events and before a new room of that name's first.
                recorder?.emptied(room: box.name)
            }
        }
    }

    /// Minutes left (rounded up) of a bar on this name or address in `room`, if any.
    func barred(room: String, key: String, address: String?, now: UInt64) -> Int? {
        bans.withLock { all in
            guard var list = all[room] else { return nil }
            list.removeAll { $0.until <= now }
            all[room] = list.isEmpty ? nil : list
            guard let ban = list.first(where: { $0.key == key || ($0.address != nil && $0.address == address) }) else { return nil }
            return Int((ban.until - now + 59_999_999_999) / 60_000_000_000)
        }
    }

    /// Bars a name (and an address) from `room` for `minutes`; the oldest bars go past the bounds.
    func bar(room: String, key: String, address: String?, minutes: Int, now: UInt64) {
        bans.withLock { all in
            guard all[room] != nil || all.count < Self.maxBannedRooms else { return }
            var list = (all[room] ?? []).filter { $0.until > now }
            list.append(Ban(key: key, address: address, until: now + UInt64(minutes) * 60_000_000_000))
            if list.count > Self.maxBansPerRoom { list.removeFirst(list.count - Self.maxBansPerRoom) }
            all[room] = list
        }
    }

    // MARK: Forwarding

    /// A member's control message.
    func receive(_ message: InboundText, from id: UInt32, in box: RoomBox, now: UInt64) {
        if case .unknown(HistoryMessage.type, let object) = message.message {
            return answerHistory(object, from: id, in: box, now: now)
        }
        if cluster != nil, !claimSharedFloor(message, from: id, in: box) { return }
        let forwarded = box.core.withLock { core -> [JSONObject] in
            let actions = core.room.receive(message, from: id, now: now)
            execute(actions, in: &core)
            guard cluster != nil else { return [] }
            // What the others forward, the other relays forward too.
            return actions.compactMap { action in
                switch action {
                case .forward(let o, _), .forwardTo(let o, _, _): return o
                default: return nil
                }
            }
        }
        for object in forwarded { clusterPublish(box.name, .text, JSONValue.object(object).serialized()) }
    }

    /// A member's audio frame: stamped with its id in place, queued for every other member.
    func forwardAudio(_ frame: ByteBuffer, flags: AudioFrame.Flags, from id: UInt32, in box: RoomBox, now: UInt64) {
        var frame = frame
        frame.withUnsafeMutableReadableBytes { raw in
            var bytes = raw
            AudioFrame.stampSource(id, in: &bytes)
        }
        let stamped = MemberConnection.Outgoing.binary(frame)
        let counters = self.counters
        let bytes = frame.readableBytes
        let atOnce = box.core.withLock { core -> [(id: UInt32, conn: MemberConnection)]? in
            let before = core.room.members[id]?.talk.since
            let decision = core.room.receiveAudio(flags: flags, from: id, now: now)
            let changed = !decision.actions.isEmpty || core.room.members[id]?.talk.since != before
            // A recording gets the frame after the spurt it starts and before the end it marks.
            let recordFirst = decision.forward && flags.contains(.end) && !flags.contains(.start)
            if recordFirst { record(frame, from: id, in: &core, now: now) }
            if changed { execute(decision.actions, in: &core) }
            guard decision.forward else { return nil }
            if !recordFirst { record(frame, from: id, in: &core, now: now) }
            if cluster != nil { clusterPublish(box.name, .audio, Array(frame.readableBytesView)) }
            if let to = decision.to {
                // Direct talk: the one member it is for.
                guard let conn = core.members[to] else { return nil }
                core.post(to: conn.eventLoop) { Self.deliver(stamped, bytes: bytes, to: [(to, conn)], except: id, now: now, counters: counters) }
                return nil
            }
            var atOnce: [(id: UInt32, conn: MemberConnection)]?
            for group in core.groups {
                // Mid-spurt (nothing else sent in this step), members on this loop get it below.
                if !changed && atOnce == nil && group.deliversAtOnce {
                    atOnce = group.members
                    continue
                }
                let targets = group.members
                group.post { Self.deliver(stamped, bytes: bytes, to: targets, except: id, now: now, counters: counters) }
            }
            return atOnce
        }
        if let atOnce { Self.deliver(stamped, bytes: bytes, to: atOnce, except: id, now: now, counters: counters) }
    }

    /// Writes an audio frame to members on the calling event loop, and counts what was written.
    static func deliver(_ item: MemberConnection.Outgoing, bytes: Int, to targets: [(id: UInt32, conn: MemberConnection)], except: UInt32?,
                        now: UInt64, counters: Counters) {
        var written = 0
        for (member, conn) in targets where member != except {
            if conn.deliver(item, now: now) { written += 1 }
        }
        counters.add(.framesOut, written)
        counters.add(.bytesOut, written * bytes)
    }

    /// Notes a forwarded frame for the spurt's duration and, with `--record`, its recording and
    /// the room's recent spurts.
    private func record(_ frame: ByteBuffer, from id: UInt32, in core: inout RoomBox.Core, now: UInt64) {
        core.activity.heard(id, at: now)
        let header = AudioFrame.headerSize
        guard let recorder, frame.readableBytes > header,
              let payload = frame.getSlice(at: frame.readerIndex + header, length: frame.readableBytes - header) else { return }
        recorder.audio(room: core.room.name, id: id, payload: payload)
        core.recent.add(id: id, payload: Array(payload.readableBytesView))
    }

    /// A member asks for the room's last spurts: they go to it alone, oldest first, one message
    /// each, then `done`. Only with `--record` (the spurts recorded here), unless an operator
    /// turned it off; once every 2 s per member.
    func answerHistory(_ object: JSONObject, from id: UInt32, in box: RoomBox, now: UInt64) {
        box.core.withLock { core in
            guard let conn = core.members[id] else { return }
            let wanted = HistoryMessage.requested(object)
            var refusal: Deny.Reason?
            if recorder == nil || core.room.historyOff {
                refusal = .noHistory
            } else if wanted == nil {
                refusal = .badRequest
            } else if let last = core.historyAsked[id], now &- last < 2_000_000_000 {
                refusal = .badRequest
            }
            guard let wanted, refusal == nil else {
                return execute([.send(to: id, .deny(Deny(reason: refusal ?? .badRequest)))], in: &core)
            }
            core.historyAsked[id] = now
            if core.historyAsked.count > 4 * settings.maxRoomMembers { core.historyAsked = core.historyAsked.filter { core.members[$0.key] != nil } }
            let spurts = core.recent.last(wanted)
            var messages = spurts.map { s in
                HistoryMessage.encoded(.spurt(.init(id: s.id, name: s.name, agoMillis: Int64(elapsed(from: s.started, to: now) / 1_000_000), packets: s.packets)))
            }
            messages.append(HistoryMessage.encoded(.done(count: spurts.count)))
            let items = messages.map { MemberConnection.Outgoing.text(Self.buffer($0)) }
            core.post(to: conn.eventLoop) { for item in items { conn.deliver(item, now: now) } }
        }
    }

    /// Hands what changed in the room to the statistics and the recorder; room mutex held.
    private func observe(_ actions: [RoomAction], in core: inout RoomBox.Core) {
        var events = core.activity.observe(core.room, actions: actions)
        // Statistics, telemetry and recordings are the business of the relay a member is on.
        if !core.remote.isEmpty { events.removeAll { Self.member(of: $0).map { core.remote[$0] != nil } ?? false } }
        guard !events.isEmpty else { return }
        if recorder != nil {
            for e in events {
                switch e {
                case .talkStarted(let id, let name) where core.room.members[id]?.directTo == nil:
                    core.recent.start(id: id, name: name, at: MonotonicClock.now())
                case .talkStopped(let id, _, _), .left(let id, _), .direct(let id, _, _, _):
                    core.recent.end(id: id)
                default:
                    break
                }
            }
        }
        let room = core.room.name
        let now = MonotonicClock.now()
        stats.withLock { s in for e in events { s.apply(e, room: room, now: now) } }
        if let recorder { for e in events { recorder.event(e, room: room) } }
    }

    static func member(of event: RoomActivity.Event) -> UInt32? {
        switch event {
        case .joined(let id, _, _), .left(let id, _), .talkStarted(let id, _), .talkStopped(let id, _, _),
             .denied(let id, _, _), .direct(let id, _, _, _):
            return id
        case .moderated:
            return nil
        }
    }

    /// Carries out a room's actions and notes what changed; called with the room's mutex held.
    func execute(_ actions: [RoomAction], in core: inout RoomBox.Core) {
        observe(actions, in: &core)
        let now = MonotonicClock.now()
        for action in actions {
            switch action {
            case .send(let to, let message):
                if case .deny(let d) = message { counters.denied(d.reason.rawValue) }
                guard let conn = core.members[to] else { continue }
                let item = MemberConnection.Outgoing.text(Self.buffer(message.encoded()))
                core.post(to: conn.eventLoop) { conn.deliver(item, now: now) }
            case .broadcast(let message, let except):
                send(Self.buffer(message.encoded()), to: core.groups, except: except, now: now)
            case .forward(let object, let from):
                send(Self.buffer(JSONValue.object(object).serialized()), to: core.groups, except: from, now: now)
            case .forwardTo(let object, _, let to):
                guard let conn = core.members[to] else { continue }
                let item = MemberConnection.Outgoing.text(Self.buffer(JSONValue.object(object).serialized()))
                core.post(to: conn.eventLoop) { conn.deliver(item, now: now) }
            case .remove(let id, let minutes, _):
                guard let conn = core.members[id], let key = core.room.members[id]?.key else { continue }
                bar(room: core.room.name, key: key, address: conn.address?.key, minutes: minutes, now: now)
                conn.close(CloseReason(.removed, "an operator removed you from room \"\(core.room.name)\" for \(minutes) minute\(minutes == 1 ? "" : "s")"))
            }
        }
    }

    func send(_ buffer: ByteBuffer, to groups: [RoomBox.LoopGroup], except: UInt32?, now: UInt64) {
        let item = MemberConnection.Outgoing.text(buffer)
        for group in groups {
            let targets = group.members
            group.post {
                for (id, conn) in targets where id != except { conn.deliver(item, now: now) }
            }
        }
    }

    static func buffer(_ bytes: [UInt8]) -> ByteBuffer {
        var b = ByteBufferAllocator().buffer(capacity: bytes.count)
        b.writeBytes(bytes)
        return b
    }

    // MARK: Time

    /// Ends silent or over-long talks in every room and runs every connection's timeouts.
    func tick(now: UInt64, connections: Bool) {
        let (boxes, conns): ([RoomBox], [MemberConnection]) = state.withLock { s in
            (Array(s.rooms.values), connections ? Array(s.connections.values) : [])
        }
        for box in boxes {
            box.core.withLock { core in
                guard let deadline = core.room.nextDeadline, deadline <= now else { return }
                execute(core.room.tick(now: now), in: &core)
            }
        }
        for conn in conns { conn.tick(now: now) }
        if connections { addresses.sweep(now: now) }
        if cluster != nil { clusterTick(now: now) }
    }

    // MARK: Shutdown and reports

    /// Refuses new connections and closes every open one with 1001.
    func shutdown() {
        let conns = state.withLock { s in
            s.shuttingDown = true
            return Array(s.connections.values)
        }
        for conn in conns { conn.close(.shutdown) }
    }

    /// Members of `room` who may talk (not listeners); 0 for a room that does not exist.
    func speakers(in room: String) -> Int {
        guard let box = state.withLock({ $0.rooms[room] }) else { return 0 }
        return box.core.withLock { core in core.room.members.values.reduce(0) { $0 + ($1.listen ? 0 : 1) } }
    }

    func listings() -> [RoomListing] {
        let boxes = state.withLock { Array($0.rooms.values) }
        var rooms = boxes.map { box in
            box.core.withLock { RoomListing(name: box.name, members: $0.room.count, talkers: $0.room.talkerCount, floor: $0.room.floor) }
        }
        // Rooms only other relays of the cluster have members in.
        if let cluster {
            let here = Set(rooms.map(\.name))
            rooms += cluster.nodes.withLock { $0.rooms }.values.filter { !here.contains($0.name) }
        }
        return rooms
    }

    func metrics() -> RelayMetrics {
        let (members, rooms) = state.withLock { ($0.members, $0.rooms.count) }
        var m = counters.snapshot(members: members, rooms: rooms)
        m[.clusterConnected] = clusterConnected == true ? 1 : 0
        return m
    }
}
