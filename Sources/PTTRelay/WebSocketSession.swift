import HummingbirdWebSocket
import Logging
import NIOCore
import PTTCore

/// The reader side of one connection: runs as the WebSocket handler's task, reassembles
/// messages under the protocol's size limits, and hands them to the connection's state
/// machine and to its room. It also starts the connection's writer task and waits for it.
enum WebSocketSession {
    static func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, room: String,
                    channel: any Channel, activity: ActivityHandler.Box, hub: Hub) async {
        let now = monotonicNanos()
        guard let conn = hub.connect(room: room, channel: channel, now: now) else {
            try? await outbound.close(.goingAway, reason: "shutting down")
            return
        }
        activity.connection = conn
        hub.logger.debug("open", metadata: ["conn": "\(conn.serial)", "room": "\(room)"])
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await conn.runWriter(outbound: outbound, hub: hub) }
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
        // A fragmented message being reassembled, bounded by the limit of its type.
        var partial: (text: Bool, buffer: ByteBuffer)?
        do {
            for try await frame in inbound {
                let now = monotonicNanos()
                var message: (text: Bool, buffer: ByteBuffer)
                switch frame.opcode {
                case .text, .binary:
                    message = (frame.opcode == .text, frame.data)
                    if !frame.fin {
                        partial = message
                        if let tooBig = oversize(message) { conn.close(tooBig); partial = nil }
                        continue
                    }
                case .continuation:
                    guard var p = partial else { continue }
                    var data = frame.data
                    p.buffer.writeBuffer(&data)
                    if let tooBig = oversize(p) { conn.close(tooBig); partial = nil; continue }
                    guard frame.fin else { partial = p; continue }
                    partial = nil
                    message = p
                }
                if message.text {
                    handleText(message.buffer, conn: conn, hub: hub, now: now)
                } else {
                    handleBinary(message.buffer, conn: conn, hub: hub, now: now)
                }
            }
        } catch {
            hub.logger.debug("read ended", metadata: ["conn": "\(conn.serial)", "error": "\(error)"])
        }
    }

    /// The close for a message already over its limit while still arriving.
    private static func oversize(_ m: (text: Bool, buffer: ByteBuffer)) -> CloseReason? {
        let limit = m.text ? ControlMessage.maxClientMessageSize : AudioFrame.maxMessageSize
        guard m.buffer.readableBytes > limit else { return nil }
        return CloseReason(.tooBig, "a \(m.text ? "text" : "binary") message over \(limit) bytes")
    }

    private static func handleText(_ buffer: ByteBuffer, conn: MemberConnection, hub: Hub, now: UInt64) {
        hub.counters.textIn.add(1)
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
        let index = buffer.readerIndex
        let kind = buffer.getInteger(at: index, as: UInt8.self) ?? 0
        let flags = buffer.readableBytes >= AudioFrame.headerSize ? buffer.getInteger(at: index + 7, as: UInt8.self) ?? 0 : 0
        let (decision, membership) = conn.receiveBinary(count: buffer.readableBytes, kind: kind, flags: flags, now: now)
        switch decision {
        case .drop:
            break
        case .audio(let f):
            hub.counters.framesIn.add(1)
            hub.counters.bytesIn.add(buffer.readableBytes)
            guard let (id, box) = membership else { return }
            hub.forwardAudio(buffer, flags: f, from: id, in: box, now: now)
        case .close(let reason):
            conn.close(reason)
        }
    }
}
