import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import PTTProtocol
import PTTRelayCore
import PTTSystem

/// The reader side of one connection: runs as the WebSocket handler's task, reassembles
/// messages under the protocol's size limits, and hands them to the connection's state
/// machine and to its room. It also starts the connection's closer task and waits for it.
enum WebSocketSession {
    static func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, room: String, op: Bool = false,
                    channel: any Channel, address: AddressSlot?, activity: ConnectionEventsHandler.Box, hub: Hub) async {
        let now = MonotonicClock.now()
        guard let conn = hub.connect(room: room, op: op, channel: channel, address: address, now: now) else {
            try? await outbound.close(.goingAway, reason: "shutting down")
            return
        }
        activity.connection = conn
        hub.logger.debug("open", metadata: ["conn": "\(conn.serial)", "room": "\(room)"])
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await conn.runCloser(outbound: outbound, hub: hub) }
            await read(inbound, conn: conn, hub: hub)
            if !conn.isClosing {
                hub.logger.info("close", metadata: ["conn": "\(conn.serial)", "room": "\(room)", "reason": "closed by the client"])
            }
            hub.leave(conn)
            conn.finishReading()
            await group.waitForAll()
        }
        activity.connection = nil
        hub.disconnect(conn)
    }

    private static func read(_ inbound: WebSocketInboundStream, conn: MemberConnection, hub: Hub) async {
        // Data frames are handled on the event loop once InboundFastPath takes over; until then
        // (and if it could not be installed) here.
        let channel = conn.channel
        var nonce = channel.allocator.buffer(capacity: 16)
        nonce.writeInteger(UInt64.random(in: .min ... .max))
        nonce.writeInteger(UInt64.random(in: .min ... .max))
        let key = nonce
        let fastPath: NIOLoopBound<InboundFastPath>? = try? await channel.eventLoop.submit {
            let ops = channel.pipeline.syncOperations
            let decoder = try ops.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self)
            let handler = InboundFastPath(conn: conn, hub: hub, nonce: key)
            try ops.addHandler(handler, position: .after(decoder))
            if let encoder = try? ops.handler(type: WebSocketFrameEncoder.self) {
                let raw = RawWriteHandler(direct: hub.settings.tlsCert == nil)
                try ops.addHandler(raw, position: .before(encoder))
                conn.useRawWriter(NIOLoopBound(raw, eventLoop: channel.eventLoop))
            }
            return NIOLoopBound(handler, eventLoop: channel.eventLoop)
        }.get()
        var assembler = MessageAssembler()
        do {
            for try await frame in inbound {
                if let fastPath, InboundFastPath.isMarker(frame.opcode, fin: frame.fin, data: frame.data, nonce: key) {
                    let handOver = assembler
                    fastPath.eventLoop.execute { fastPath.value.takeOver(assembler: handOver) }
                    assembler = MessageAssembler()
                    continue
                }
                handle(assembler.add(frame.opcode, fin: frame.fin, data: frame.data), conn: conn, hub: hub)
            }
        } catch {
            hub.logger.debug("read ended", metadata: ["conn": "\(conn.serial)", "error": "\(error)"])
        }
    }

    /// What the assembler made of a data frame, on the reader task or the event loop.
    static func handle(_ result: MessageAssembler.Result, conn: MemberConnection, hub: Hub) {
        switch result {
        case .none:
            break
        case .close(let reason):
            conn.close(reason)
        case .message(let text, let buffer):
            let now = MonotonicClock.now()
            if text {
                handleText(buffer, conn: conn, hub: hub, now: now)
            } else {
                handleBinary(buffer, conn: conn, hub: hub, now: now)
            }
        }
    }

    private static func handleText(_ buffer: ByteBuffer, conn: MemberConnection, hub: Hub, now: UInt64) {
        hub.counters.add(.textIn)
        if let address = conn.address, !hub.addresses.take(.text, address, now: now) {
            conn.close(.addressRateLimit)
            return
        }
        let bytes = Array(buffer.readableBytesView)
        switch conn.receiveText(bytes, now: now) {
        case .drop:
            break
        case .hello(let hello):
            if let refusal = hub.admit(conn, hello: hello, now: now) { conn.close(refusal) }
        case .message(let message):
            guard let (id, box) = conn.membership else { return }
            hub.receive(message, from: id, in: box, now: now)
        case .close(let reason):
            conn.close(reason)
        }
    }

    private static func handleBinary(_ buffer: ByteBuffer, conn: MemberConnection, hub: Hub, now: UInt64) {
        if let address = conn.address, !hub.addresses.take(.binary, address, now: now) {
            conn.close(.addressRateLimit)
            return
        }
        let index = buffer.readerIndex
        let kind = buffer.getInteger(at: index, as: UInt8.self) ?? 0
        let flags = buffer.readableBytes >= AudioFrame.headerSize ? buffer.getInteger(at: index + 7, as: UInt8.self) ?? 0 : 0
        let (decision, membership) = conn.receiveBinary(count: buffer.readableBytes, kind: kind, flags: flags, now: now)
        switch decision {
        case .drop:
            break
        case .audio(let f):
            hub.counters.add(.framesIn)
            hub.counters.add(.bytesIn, buffer.readableBytes)
            guard let (id, box) = membership else { return }
            hub.forwardAudio(buffer, flags: f, from: id, in: box, now: now)
        case .close(let reason):
            conn.close(reason)
        }
    }
}
