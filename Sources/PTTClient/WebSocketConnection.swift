import NIOCore
import NIOWebSocket
import PTTProtocol
import PTTSessionCore
import Synchronization

/// One WebSocket connection: the `RelayTransport` a session writes to.
///
/// Concurrency: `state` is behind a mutex held for a few assignments; events are emitted
/// from the channel's event loop only, so they arrive in order. Sends may come from any
/// thread: NIO runs writes issued from one thread in the order they were issued.
final class WebSocketConnection: RelayTransport {
    struct State {
        var channel: (any Channel)?
        var opened = false
        var finished = false
        var closeSent = false
        var closeCode: UInt16?
    }

    let state = Mutex(State())
    let handler: @Sendable (any RelayTransport, TransportEvent) -> Void

    init(onEvent: @escaping @Sendable (any RelayTransport, TransportEvent) -> Void) {
        self.handler = onEvent
    }

    func onEvent(_ event: TransportEvent) { handler(self, event) }

    func attach(_ channel: any Channel) {
        let finished = state.withLock { s -> Bool in
            s.channel = channel
            return s.finished
        }
        if finished { channel.close(promise: nil) }
    }

    func opened(subprotocol: String?) {
        let first = state.withLock { s -> Bool in
            guard !s.opened, !s.finished else { return false }
            s.opened = true
            return true
        }
        if first { onEvent(.opened(subprotocol: subprotocol)) }
    }

    func deliver(_ event: TransportEvent) {
        let live = state.withLock { $0.opened && !$0.finished }
        if live { onEvent(event) }
    }

    /// Failure before opening; ignored once opened or finished.
    func fail(_ failure: SessionCore.ConnectFailure) {
        let (first, channel) = state.withLock { s -> (Bool, (any Channel)?) in
            guard !s.opened, !s.finished else { return (false, nil) }
            s.finished = true
            return (true, s.channel)
        }
        guard first else { return }
        channel?.close(promise: nil)
        onEvent(.failed(failure))
    }

    /// `secure`: a wss:// URL, where a relay without TLS waits for a request it never gets.
    func handshakeTimedOut(secure: Bool) {
        fail(.unreachable("the relay did not complete the WebSocket handshake" + (secure ? WebSocketConnector.plainRelayHint : "")))
    }

    func receivedClose(code: UInt16?) {
        state.withLock { if $0.closeCode == nil { $0.closeCode = code ?? CloseCode.normal.rawValue } }
    }

    /// Whether this call is the one that sends our close frame.
    func markCloseSent() -> Bool {
        state.withLock { s in
            defer { s.closeSent = true }
            return !s.closeSent
        }
    }

    func ended() {
        let (report, code) = state.withLock { s -> (Bool, UInt16?) in
            guard s.opened, !s.finished else { return (false, nil) }
            s.finished = true
            return (true, s.closeCode)
        }
        if report { onEvent(.closed(code: code)) }
    }

    func send(text: [UInt8]) {
        write(text, as: .text)
    }

    func send(binary: [UInt8]) {
        write(binary, as: .binary)
    }

    func write(_ bytes: [UInt8], as kind: MessageKind) {
        guard let channel = state.withLock({ $0.opened && !$0.finished && !$0.closeSent ? $0.channel : nil }) else { return }
        // Audio the socket cannot take now is dropped, never queued into delay.
        if kind == .binary, !channel.isWritable { return }
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        let frame = WebSocketFrame(fin: true, opcode: kind.opcode, maskKey: .random(), data: buffer)
        channel.writeAndFlush(frame, promise: nil)
    }

    func close(code: CloseCode) {
        guard let channel = state.withLock({ s -> (any Channel)? in
            guard !s.closeSent, !s.finished else { return nil }
            s.closeSent = true
            return s.channel
        }) else { return }
        var buffer = channel.allocator.buffer(capacity: 2)
        buffer.writeInteger(code.rawValue)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: buffer)
        channel.writeAndFlush(frame).whenComplete { _ in
            // Give the relay a moment to close TCP first, as RFC 6455 prefers, then close.
            channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
        }
    }
}
