import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import PTTProtocol
import PTTRelayCore

/// Reassembles fragmented WebSocket messages under the protocol's limits (4096 bytes of text,
/// 1500 of binary), so an oversized message is refused while it is still arriving.
/// Frames come as Hummingbird's data frames (`WebSocketSession`) or as NIO's frames once the
/// event loop's fast path has taken over (`InboundFastPath`); both are read with the data
/// frame's opcode, `WebSocketDataFrame.Opcode`.
struct MessageAssembler: Sendable {
    typealias Opcode = WebSocketDataFrame.Opcode

    enum Result: Sendable {
        /// Nothing complete yet.
        case none
        case message(text: Bool, ByteBuffer)
        /// Close the connection: a message over its limit, or a fragment out of order.
        case close(CloseReason)
    }

    private var partial: (text: Bool, buffer: ByteBuffer)?

    init() {}

    mutating func add(_ opcode: Opcode, fin: Bool, data: ByteBuffer) -> Result {
        var message: (text: Bool, buffer: ByteBuffer)
        switch opcode {
        case .text, .binary:
            // RFC 6455 §5.4: a new message may not start inside a fragmented one.
            guard partial == nil else {
                partial = nil
                return .close(CloseReason(.protocolError, "a data frame inside a fragmented message"))
            }
            message = (opcode == .text, data)
            if !fin {
                partial = message
                if let tooBig = Self.oversize(message) { partial = nil; return .close(tooBig) }
                return .none
            }
        case .continuation:
            guard var p = partial else { return .close(CloseReason(.protocolError, "a continuation frame with nothing to continue")) }
            var data = data
            p.buffer.writeBuffer(&data)
            if let tooBig = Self.oversize(p) { partial = nil; return .close(tooBig) }
            guard fin else { partial = p; return .none }
            partial = nil
            message = p
        }
        return .message(text: message.text, message.buffer)
    }

    /// The close for a message already over its limit while still arriving.
    static func oversize(_ m: (text: Bool, buffer: ByteBuffer)) -> CloseReason? {
        let limit = m.text ? ControlMessage.maxClientMessageSize : AudioFrame.maxMessageSize
        guard m.buffer.readableBytes > limit else { return nil }
        return CloseReason(.tooBig, "a \(m.text ? "text" : "binary") message over \(limit) bytes")
    }
}

extension WebSocketDataFrame.Opcode {
    /// The data frame opcode of a NIO frame; nil for control frames.
    init?(_ opcode: WebSocketOpcode) {
        switch opcode {
        case .text: self = .text
        case .binary: self = .binary
        case .continuation: self = .continuation
        default: return nil
        }
    }
}
