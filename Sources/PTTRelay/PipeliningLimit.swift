import NIOCore
import NIOHTTPTypes

/// A bound on HTTP requests a connection has in flight: received, and whose response has not
/// yet gone to the socket. A client that pipelines requests and never reads the answers (or
/// sends thousands at once) would otherwise have the relay decode them all and hold every
/// response in memory, and take the event loop's time from the rooms. Past `limit` the
/// connection is closed. Counting ends when a response's last part is written to the socket,
/// not when it is handed to the pipeline, so a client that does not read stays counted.
final class PipeliningLimit: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Browsers and curl do not pipeline; a few in flight leave room for clients that do.
    static let limit = 16

    private var inFlight = 0
    private var closing = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        if case .head = unwrapInboundIn(data) {
            inFlight += 1
            if inFlight > Self.limit {
                closing = true
                context.close(promise: nil)
                return
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        let written = promise ?? context.eventLoop.makePromise()
        written.futureResult.assumeIsolated().whenComplete { [self] _ in inFlight -= 1 }
        context.write(data, promise: written)
    }
}
