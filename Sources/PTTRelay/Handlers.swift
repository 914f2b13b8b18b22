import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Synchronization

/// Notes the time whenever bytes arrive on a connection, WebSocket pings and pongs included
/// (the WebSocket layer hides those), for the idle timeout. Sits first in the pipeline.
final class ActivityHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
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
        box.connection?.lastHeard.store(monotonicNanos(), ordering: .relaxed)
        context.fireChannelRead(data)
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
