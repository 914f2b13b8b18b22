import Logging
import NIOCore
import PTTProtocol
import PTTRelayCore
import PTTSystem
import Synchronization

/// What a relay of a cluster keeps about the cluster: its own node id and id block, the NATS
/// link once connected, and the other relays as their heartbeats show them.
final class ClusterRuntime: Sendable {
    let servers: [String]
    /// This relay in the cluster's messages: random, drawn at start.
    let node = UInt32.random(in: 1...UInt32.max)
    /// The block of member ids this relay hands out (`IDAllocator(clusterPrefix:)`).
    let prefix = UInt32.random(in: 1...4095)
    let link = Mutex<ClusterLink?>(nil)
    let nodes = Mutex(ClusterNodes())
    let lastBeat = Atomic<UInt64>(0)
    /// When each room last asked the others for their members because of a stranger's message.
    let lastResync = Mutex<[String: UInt64]>([:])
    /// The floor shared by the cluster's relays (JetStream key-value), once the servers gave it.
    let floor = Mutex<ClusterFloor?>(nil)
    let floorTried = Atomic<UInt64>(0)
    /// Rooms whose shared floor this relay holds, by member.
    let held = Mutex<[String: UInt32]>([:])
    /// The other relays' last `/stats` reports, by node.
    let statsReports = Mutex<[UInt32: String]>([:])
    static let statsSubject = "ptt.stats"

    init(servers: [String]) { self.servers = servers }

    static let beatInterval: UInt64 = 1_000_000_000
}

extension Hub {
    /// Connects to NATS (the relay runs while it is down: local rooms do not need it).
    func connectCluster() {
        guard let cluster else { return }
        do {
            let link = try ClusterLink(
                servers: cluster.servers, name: "ptt-relay \(cluster.node)", logger: logger,
                onMessage: { [weak self] subject, bytes in self?.clusterMessage(subject, bytes) },
                onReconnect: { [weak self] in self?.clusterResync() })
            cluster.link.withLock { $0 = link }
            link.subscribe(ClusterSubject.heartbeat, key: " heartbeat")
            link.subscribe(ClusterRuntime.statsSubject, key: " stats")
            logger.notice("cluster: joined", metadata: ["node": "\(cluster.node)", "servers": "\(cluster.servers.joined(separator: ","))"])
        } catch {
            logger.error("cluster: cannot use NATS: \(error); this relay stands alone")
        }
    }

    /// The other relays' statistics reports, for `/stats`; nil without a cluster.
    func clusterStatsReports() -> [String]? {
        guard let cluster else { return nil }
        let alive = Set(cluster.nodes.withLock { $0.nodes.keys })
        return cluster.statsReports.withLock { reports in reports.filter { alive.contains($0.key) }.map(\.value) }
    }

    func disconnectCluster() {
        cluster?.link.withLock { $0 }?.close()
    }

    /// Whether the NATS connection is up (nil: no cluster).
    var clusterConnected: Bool? {
        guard let cluster else { return nil }
        return cluster.link.withLock { $0 }?.connected.load(ordering: .relaxed) ?? false
    }

    func clusterPublish(_ room: String, _ kind: ClusterSubject.Kind, _ bytes: [UInt8]) {
        guard let cluster, let link = cluster.link.withLock({ $0 }) else { return }
        link.publish(ClusterSubject.room(room, kind), bytes)
    }

    private func publishMembership(_ room: String, _ change: ClusterMembership.Change) {
        guard let cluster else { return }
        clusterPublish(room, .members, ClusterMembership(node: cluster.node, change: change).encoded())
    }

    /// A member of ours joined: the other relays learn it; the first one of a room subscribes
    /// to it and asks the others for their members.
    func clusterJoined(_ box: RoomBox, peer: ClusterPeer) {
        guard let cluster, let link = cluster.link.withLock({ $0 }) else { return }
        let first = box.core.withLock { $0.members.count == 1 }
        if first {
            link.subscribe(room: box.name)
            publishMembership(box.name, .sync)
        }
        publishMembership(box.name, .join(peer))
    }

    func clusterLeft(_ box: RoomBox, id: UInt32, lastHere: Bool) {
        publishMembership(box.name, .leave(id))
        if lastHere { cluster?.link.withLock { $0 }?.unsubscribe(room: box.name) }
    }

    /// After NATS came back: every room's members again, and theirs asked for.
    func clusterResync() {
        let boxes = state.withLock { Array($0.rooms.values) }
        for box in boxes {
            publishMembership(box.name, .members(localPeers(box)))
            publishMembership(box.name, .sync)
        }
    }

    func localPeers(_ box: RoomBox) -> [ClusterPeer] {
        box.core.withLock { core in
            core.room.peers.filter { core.members[$0.id] != nil }.map { ClusterPeer($0, session: core.room.members[$0.id]?.session) }
        }
    }

    // MARK: From the other relays (on the NATS client's threads)

    func clusterMessage(_ subject: String, _ bytes: [UInt8]) {
        guard let cluster else { return }
        let now = MonotonicClock.now()
        if subject == ClusterRuntime.statsSubject {
            // 4 bytes of node, then the relay's statistics JSON.
            guard bytes.count > 4, bytes.count <= 1 << 20 else { return }
            let node = bytes[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            guard node != cluster.node, let text = String(validating: bytes[4...], as: UTF8.self) else { return }
            cluster.statsReports.withLock { reports in
                if reports[node] != nil || reports.count < 256 { reports[node] = text }
            }
            return
        }
        if subject == ClusterSubject.heartbeat {
            if let beat = ClusterHeartbeat.decode(bytes), beat.node != cluster.node { cluster.nodes.withLock { $0.heard(beat, now: now) } }
            return
        }
        guard let (room, kind) = ClusterSubject.parse(subject), let box = state.withLock({ $0.rooms[room] }) else { return }
        switch kind {
        case .members:
            guard let news = ClusterMembership.decode(bytes), news.node != cluster.node else { return }
            cluster.nodes.withLock { $0.heard(node: news.node, now: now) }
            switch news.change {
            case .join(let peer): remoteJoined([peer], node: news.node, in: box, now: now)
            case .members(let peers): remoteJoined(peers, node: news.node, in: box, now: now)
            case .leave(let id): remoteLeft([id], in: box)
            case .sync: publishMembership(room, .members(localPeers(box)))
            }
        case .text:
            guard let inbound = try? ControlMessage.decodeInbound(bytes, limit: ControlMessage.maxRelayMessageSize),
                  case .int(let from)? = inbound.object["from"], Validation.isValidID(from) else { return }
            let shared = cluster.floor.withLock { $0 } != nil
            let known = box.core.withLock { core -> Bool in
                guard core.remote[UInt32(from)] != nil else { return false }
                // The shared floor granted this talk: whoever held it as this relay saw things stops.
                if shared, case .talk(_, true) = inbound.message, DirectTalk.target(in: inbound.object) == nil,
                   core.room.floor == .single, let h = core.room.holder, h != UInt32(from) {
                    execute(core.room.yieldFloor(), in: &core)
                }
                execute(core.room.receive(inbound, from: UInt32(from), now: now), in: &core)
                return true
            }
            if !known { askAgain(room, now: now) }
        case .audio:
            guard bytes.count > AudioFrame.headerSize, bytes.count <= AudioFrame.maxMessageSize,
                  let frame = try? AudioFrame.decode(bytes) else { return }
            remoteAudio(bytes, from: frame.source, flags: frame.flags, in: box, now: now)
        }
    }

    private func remoteJoined(_ peers: [ClusterPeer], node: UInt32, in box: RoomBox, now: UInt64) {
        box.core.withLock { core in
            guard !core.removed, !core.members.isEmpty else { return }
            for c in peers where core.room.members[c.peer.id] == nil && core.members[c.peer.id] == nil {
                let p = c.peer
                let key = NameNormalization.skeleton(p.name)
                if let old = core.room.member(withKey: key), core.remote[old] != nil {
                    // The same person, now on another relay (theirs died): the old entry goes.
                    execute(core.room.leave(id: old), in: &core)
                    core.remote[old] = nil
                }
                core.remote[p.id] = node
                var actions = core.room.join(id: p.id, name: p.name, listen: p.listen, key: key, session: c.session, op: p.op)
                // Talking already (a roster answer): as its `talk` on would.
                if p.talking, !actions.isEmpty, let on = try? ControlMessage.decodeInbound(ControlMessage.talk(from: p.id, on: true).encoded()) {
                    execute(actions, in: &core)
                    actions = core.room.receive(on, from: p.id, now: now)
                }
                if actions.isEmpty { core.remote[p.id] = nil } // its name is taken here: not shown
                execute(actions, in: &core)
            }
        }
    }

    private func remoteLeft(_ ids: [UInt32], in box: RoomBox) {
        box.core.withLock { core in
            for id in ids where core.remote[id] != nil {
                execute(core.room.leave(id: id), in: &core)
                core.remote[id] = nil
            }
        }
    }

    /// A message from a member this relay does not know (its join was missed): the room's
    /// members are asked for again, at most once a second.
    private func askAgain(_ room: String, now: UInt64) {
        guard let cluster else { return }
        let due = cluster.lastResync.withLock { last -> Bool in
            if let t = last[room], now &- t < ClusterRuntime.beatInterval { return false }
            if last.count > 4096 { last.removeAll() }
            last[room] = now
            return true
        }
        if due { publishMembership(room, .sync) }
    }

    private func remoteAudio(_ bytes: [UInt8], from id: UInt32, flags: AudioFrame.Flags, in box: RoomBox, now: UInt64) {
        let known = box.core.withLock { core -> Bool in
            guard core.remote[id] != nil else { return false }
            let decision = core.room.receiveAudio(flags: flags, from: id, now: now)
            if !decision.actions.isEmpty { execute(decision.actions, in: &core) }
            guard decision.forward else { return true }
            let item = MemberConnection.Outgoing.binary(Self.buffer(bytes))
            let counters = self.counters
            if let to = decision.to {
                guard let conn = core.members[to] else { return true }
                core.post(to: conn.eventLoop) { Self.deliver(item, bytes: bytes.count, to: [(to, conn)], except: nil, now: now, counters: counters) }
                return true
            }
            for group in core.groups {
                let targets = group.members
                group.post { Self.deliver(item, bytes: bytes.count, to: targets, except: nil, now: now, counters: counters) }
            }
            return true
        }
        if !known { askAgain(box.name, now: now) }
    }

    /// Before a member of ours takes a single floor: the cluster's shared floor must agree. True
    /// when the talk may go on to the room (granted, or no shared floor to ask); false when it was
    /// refused here (`deny busy` naming the holder, on whichever relay it is).
    func claimSharedFloor(_ message: InboundText, from id: UInt32, in box: RoomBox) -> Bool {
        guard let cluster, case .talk(_, true) = message.message, DirectTalk.target(in: message.object) == nil,
              let floor = cluster.floor.withLock({ $0 }) else { return true }
        // Whether to ask at all, and whether the member is an operator (who takes the floor).
        let op = box.core.withLock { core -> Bool? in
            guard core.room.floor == .single, let m = core.room.members[id], !m.listen, !m.opMuted, core.room.holder != id else { return nil }
            return m.op
        }
        guard let op else { return true }
        switch floor.claim(room: box.name, id: id, force: op) {
        case .granted:
            cluster.held.withLock { $0[box.name] = id }
            // The floor was free cluster-wide: a holder seen here is out of date.
            box.core.withLock { core in
                if let h = core.room.holder, h != id { execute(core.room.yieldFloor(), in: &core) }
            }
            return true
        case .unavailable:
            return true
        case .held(let holder):
            box.core.withLock { core in execute(core.room.refuseFloor(id, holder: holder), in: &core) }
            return false
        }
    }

    /// The shared floor: given back for rooms whose holder of ours stopped, renewed each second
    /// for those who still talk; made (or tried again) while there is none.
    func tendSharedFloor(now: UInt64, beat: Bool) {
        guard let cluster else { return }
        if cluster.floor.withLock({ $0 }) == nil {
            let last = cluster.floorTried.load(ordering: .relaxed)
            guard last == 0 || now &- last >= 5_000_000_000, let link = cluster.link.withLock({ $0 }),
                  link.connected.load(ordering: .relaxed) else { return }
            cluster.floorTried.store(now, ordering: .relaxed)
            if let made = ClusterFloor(connection: link.connection, logger: logger) {
                cluster.floor.withLock { $0 = made }
                logger.notice("cluster: single floors are shared through JetStream", metadata: ["bucket": "\(ClusterFloor.bucket)"])
            }
            return
        }
        guard let floor = cluster.floor.withLock({ $0 }) else { return }
        let held = cluster.held.withLock { $0 }
        guard !held.isEmpty else { return }
        for (room, id) in held {
            let box = state.withLock { $0.rooms[room] }
            let still = box?.core.withLock { $0.room.holder == id } ?? false
            if still {
                if beat { floor.renew(room: room, id: id) }
            } else {
                cluster.held.withLock { if $0[room] == id { $0[room] = nil } }
                floor.release(room: room)
            }
        }
    }

    // MARK: Time

    /// Every second, this relay's heartbeat; the members of relays silent for 3 s leave.
    func clusterTick(now: UInt64) {
        guard let cluster else { return }
        let last = cluster.lastBeat.load(ordering: .relaxed)
        let beat = now &- last >= ClusterRuntime.beatInterval || last == 0
        tendSharedFloor(now: now, beat: beat)
        guard beat else { return }
        cluster.lastBeat.store(now, ordering: .relaxed)
        if let link = cluster.link.withLock({ $0 }) {
            let boxes = state.withLock { Array($0.rooms.values) }
            let rooms = boxes.compactMap { box in
                box.core.withLock { core -> RoomListing? in
                    let mine = core.room.order.filter { core.members[$0] != nil }
                    guard !mine.isEmpty else { return nil }
                    let talking = mine.filter { core.room.members[$0]?.isTalking == true }.count
                    return RoomListing(name: box.name, members: mine.count, talkers: talking, floor: core.room.floor)
                }
            }
            link.publish(ClusterSubject.heartbeat, ClusterHeartbeat(node: cluster.node, rooms: rooms).encoded())
            // This relay's members' statistics, every room, for the others' `/stats`.
            let report = stats.withLock { $0.json(now: now, wallMillis: wallNanos() / 1_000_000, include: { _ in true }) }
            let node = cluster.node
            link.publish(ClusterRuntime.statsSubject, [UInt8(node >> 24), UInt8(node >> 16 & 0xFF), UInt8(node >> 8 & 0xFF), UInt8(node & 0xFF)] + Array(report.utf8))
        }
        let gone = cluster.nodes.withLock { $0.expire(now: now) }
        guard !gone.isEmpty else { return }
        cluster.statsReports.withLock { reports in for n in gone { reports[n] = nil } }
        logger.warning("cluster: relays silent for 3 s, their members leave", metadata: ["nodes": "\(gone)"])
        let boxes = state.withLock { Array($0.rooms.values) }
        for box in boxes {
            let ids = box.core.withLock { core in core.remote.filter { gone.contains($0.value) }.map(\.key).sorted() }
            if !ids.isEmpty { remoteLeft(ids, in: box) }
        }
    }
}
