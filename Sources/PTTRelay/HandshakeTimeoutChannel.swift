import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1

/// Wraps the HTTP/WebSocket child channel with a handshake timeout: a connection still without
/// a complete request head after `timeout` (its upgrade handler is still in the pipeline) is
/// closed, so idle sockets cannot pile up before `hello` and its own timeout begin.
struct HandshakeTimeoutChannel: ServerChildChannel {
    typealias Value = HTTP1WebSocketUpgradeChannel.Value
    let base: HTTP1WebSocketUpgradeChannel
    let timeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger).map { value in
            channel.eventLoop.scheduleTask(in: timeout) {
                let negotiating = try? channel.pipeline.syncOperations
                    .handler(type: NIOTypedHTTPServerUpgradeHandler<HTTP1WebSocketUpgradeChannel.UpgradeResult>.self)
                if negotiating != nil { channel.close(promise: nil) }
            }
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
