import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Synchronization
import PTTSystem

/// Tells a connection what the WebSocket layer does not: the time bytes last arrived (WebSocket
/// pings and pongs included), for the idle timeout, and when a full socket can take writes
/// again, to drain its queue. Sits first in the pipeline.
final class ConnectionEventsHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny

    /// Links the handler (event loop) to the connection (created later, in the handler task).
    final class Box: Sendable {
        private let conn = Mutex<MemberConnection?>(nil)
        var connection: MemberConnection? {
            get { conn.withLock { $0 } }
            set { conn.withLock { $0 = newValue } }
        }
    }

    let box: Box
    init(box: Box) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        box.connection?.lastHeard.store(MonotonicClock.now(), ordering: .relaxed)
        context.fireChannelRead(data)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { box.connection?.drain() }
        context.fireChannelWritabilityChanged()
    }
}

/// Rewrites the 400 answer to a refused upgrade (the only status the WebSocket layer sends)
/// into the status and headers the relay chose: 401 with `WWW-Authenticate: Bearer`, or 400.
final class UpgradeRefusalHandler: ChannelOutboundHandler, RemovableChannelHandler, Sendable {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let status: HTTPResponseStatus
    let headers: [(String, String)]

    init(status: HTTPResponseStatus, headers: [(String, String)]) {
        self.status = status
        self.headers = headers
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var part = unwrapOutboundIn(data)
        if case .head(var head) = part, head.status == .badRequest {
            head.status = status
            for (name, value) in headers { head.headers.replaceOrAdd(name: name, value: value) }
            part = .head(head)
        }
        context.write(wrapOutboundOut(part), promise: promise)
    }
}

/// Sits just below the WebSocket frame encoder and writes frames the relay encoded once for a
/// whole room (`WireFrame`), so each member's write skips the pipeline above and the encoder.
final class RawWriteHandler: ChannelOutboundHandler, RemovableChannelHandler {
    /// What the encoder above writes passes through unchanged.
    typealias OutboundIn = ByteBuffer
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Writes an encoded frame; false if the handler is gone (use the pipeline instead).
    func write(_ wire: ByteBuffer) -> Bool {
        guard let context else { return false }
        context.write(NIOAny(wire), promise: nil)
        return true
    }

    func flush() -> Bool {
        guard let context else { return false }
        context.flush()
        return true
    }
}

/// Server-to-client WebSocket frames (RFC 6455 §5.2: FIN, opcode, unmasked length, payload).
enum WireFrame {
    static let text: UInt8 = 0x1
    static let binary: UInt8 = 0x2

    static func encode(opcode: UInt8, payload: ByteBuffer) -> ByteBuffer {
        let n = payload.readableBytes
        var b = ByteBufferAllocator().buffer(capacity: n + 10)
        b.writeInteger(UInt8(0x80 | opcode))
        if n < 126 {
            b.writeInteger(UInt8(n))
        } else if n <= 0xFFFF {
            b.writeInteger(UInt8(126))
            b.writeInteger(UInt16(n))
        } else {
            b.writeInteger(UInt8(127))
            b.writeInteger(UInt64(n))
        }
        var p = payload
        b.writeBuffer(&p)
        return b
    }
}
