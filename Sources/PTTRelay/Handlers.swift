import Glibc
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
/// On a plain connection it sends them straight to the socket (`DirectSocket`) whenever nothing
/// waits in the channel: it counts what passes through it into the channel (its own frames when
/// the socket is full, and whatever the WebSocket layer writes: pongs, close frames) until the
/// channel has written it, so bytes never overtake each other.
final class RawWriteHandler: ChannelOutboundHandler, RemovableChannelHandler {
    /// What the encoder above writes passes through unchanged.
    typealias OutboundIn = ByteBuffer
    private var context: ChannelHandlerContext?
    private let direct: Bool
    /// Its own duplicate of the channel's socket (`DirectSocket`), or -1: none, or removed.
    private var descriptor: CInt = -1
    /// Writes handed to the channel that it has not yet written (or failed).
    private var inChannel = 0

    /// `direct`: send to the socket itself when it can (plain connections only).
    init(direct: Bool) { self.direct = direct }

    /// Whether it found the channel's socket to write to (read by the tests).
    var writesDirectly: Bool { descriptor >= 0 }
    /// It writes to the socket itself and nothing waits in the channel: the next frame goes
    /// straight to the socket, whether or not the channel would call itself writable.
    var clear: Bool { descriptor >= 0 && inChannel == 0 }
    /// Writes waiting in the channel (read by the tests).
    var waitingInChannel: Int { inChannel }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if direct { descriptor = DirectSocket.duplicate(of: context.channel) ?? -1 }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        closeDescriptor()
    }

    deinit { closeDescriptor() }

    private func closeDescriptor() {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
        descriptor = -1
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: descriptor < 0 ? promise : tracked(promise, context))
    }

    /// What became of a frame given to `write(_:)`.
    enum Written {
        /// On the socket: nothing to flush.
        case sent
        /// In the channel: flush it.
        case inChannel
        /// The handler is gone: use the pipeline.
        case gone
    }

    /// Writes an encoded frame.
    func write(_ wire: ByteBuffer) -> Written {
        // (`descriptor` is -1 once the handler is removed.)
        if descriptor >= 0 && inChannel == 0 {
            switch DirectSocket.send(wire, to: descriptor) {
            case .all:
                return .sent
            case .from(let index):
                // The rest waits in the channel, which writes it when the socket takes more.
                // (The context is there: the descriptor is only held while the handler is.)
                guard let context else { return .gone }
                let rest = wire.getSlice(at: wire.readerIndex + index, length: wire.readableBytes - index) ?? wire
                context.write(NIOAny(rest), promise: tracked(nil, context))
                return .inChannel
            }
        }
        guard let context else { return .gone }
        context.write(NIOAny(wire), promise: descriptor < 0 ? nil : tracked(nil, context))
        return .inChannel
    }

    func flush() -> Bool {
        guard let context else { return false }
        context.flush()
        return true
    }

    /// A promise that counts the write as in the channel until it completes.
    private func tracked(_ promise: EventLoopPromise<Void>?, _ context: ChannelHandlerContext) -> EventLoopPromise<Void> {
        inChannel += 1
        let p = promise ?? context.eventLoop.makePromise()
        p.futureResult.assumeIsolated().whenComplete { _ in self.inChannel -= 1 }
        return p
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
