import NIOWebSocket

/// The protocol's two kinds of message: control messages travel as text, audio frames as
/// binary. `opcode` is the one mapping onto NIO's opcodes; reading goes through it too.
enum MessageKind: CaseIterable, Sendable {
    case text
    case binary

    var opcode: WebSocketOpcode {
        switch self {
        case .text: return .text
        case .binary: return .binary
        }
    }

    /// The kind of a frame with this opcode; nil for control frames and continuations (the
    /// frame aggregator has joined fragments before frames reach the client).
    init?(_ opcode: WebSocketOpcode) {
        guard let kind = Self.allCases.first(where: { $0.opcode == opcode }) else { return nil }
        self = kind
    }

    /// The transport event for a received message of this kind.
    func event(_ bytes: [UInt8]) -> TransportEvent {
        switch self {
        case .text: return .text(bytes)
        case .binary: return .binary(bytes)
        }
    }
}
