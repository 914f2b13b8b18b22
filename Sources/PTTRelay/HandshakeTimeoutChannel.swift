import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1
import PTTRelayCore
import PTTSystem

/// Wraps the HTTP/WebSocket child channel with the checks of an accepted socket: its address
/// may open no more than its share of connections (`AddressGuard`; a socket over the share is
/// closed at once), and a connection still without a complete request head after `timeout`
/// (its upgrade handler is still in the pipeline) is closed, so idle sockets cannot pile up
/// before `hello` and its own timeout begin.
struct HandshakeTimeoutChannel: ServerChildChannel {
    typealias Value = HTTP1WebSocketUpgradeChannel.Value
    let base: HTTP1WebSocketUpgradeChannel
    let timeout: TimeAmount
    let hub: Hub

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        switch hub.addresses.open(channel.remoteAddress, now: MonotonicClock.now()) {
        case .unlimited:
            break
        case .refused(let refusal):
            let why = refusal == .tooManyPending ? "too many connections without hello from one address" : "too many connections from one address"
            hub.logger.info("refused", metadata: ["reason": "\(why)"])
            return base.setup(channel: channel, logger: logger).map { value in
                channel.close(promise: nil)
                return value
            }
        case .opened(let slot):
            let addresses = hub.addresses
            channel.closeFuture.whenComplete { _ in addresses.closed(slot, now: MonotonicClock.now()) }
            do {
                try channel.pipeline.syncOperations.addHandler(AddressSlotHandler(slot: slot), position: .first)
            } catch {
                channel.close(promise: nil)
                return channel.eventLoop.makeFailedFuture(error)
            }
        }
        return base.setup(channel: channel, logger: logger).map { value in
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
