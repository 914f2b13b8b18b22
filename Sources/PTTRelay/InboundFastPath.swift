import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import PTTProtocol
import PTTRelayCore
import PTTSystem

/// Handles a connection's data frames on its event loop instead of the reader task: one task
/// wake-up less per message. It sits right after the WebSocket frame decoder and passes
/// control frames (ping, pong, close) on to the WebSocket layer.
///
/// Taking over without reordering: when added, it holds the frames it gets and sends a marker
/// (a frame carrying a random nonce no client can guess) down the pipeline, behind whatever
/// the reader task has not read yet. When the reader reaches the marker it hands over its
/// half-assembled message (`takeOver`) and the handler processes what it held, then
/// everything else as it arrives.
final class InboundFastPath: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame

    /// At most this many bytes are held before the reader takes over (microseconds, normally);
    /// a client that sends more in that instant is over any rate and is closed.
    static let maxHeldBytes = 256 << 10

    let conn: MemberConnection
    let hub: Hub
    let nonce: ByteBuffer
    private var held: [WebSocketFrame]? = []
    private var heldBytes = 0
    private var assembler = MessageAssembler()
    /// A frame went on to the WebSocket layer since the last read-complete.
    private var passedOn = false

    init(conn: MemberConnection, hub: Hub, nonce: ByteBuffer) {
        self.conn = conn
        self.hub = hub
        self.nonce = nonce
    }

    static func isMarker(_ opcode: WebSocketDataFrame.Opcode, fin: Bool, data: ByteBuffer, nonce: ByteBuffer) -> Bool {
        opcode == .binary && !fin && data == nonce
    }

    func handlerAdded(context: ChannelHandlerContext) {
        context.fireChannelRead(wrapInboundOut(WebSocketFrame(fin: false, opcode: .binary, data: nonce)))
        // The async channel hands reads to the reader task at read-complete: send it on now.
        context.fireChannelReadComplete()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        // RFC 6455 §5.1–5.2: no extension was negotiated, so no reserved bit may be set, and
        // every client frame is masked.
        if frame.rsv1 || frame.rsv2 || frame.rsv3 || frame.maskKey == nil {
            conn.close(CloseReason(.protocolError, frame.maskKey == nil ? "an unmasked frame from a client" : "a frame with a reserved bit set"))
            return
        }
        switch frame.opcode {
        case .text, .binary, .continuation:
            if held != nil {
                heldBytes += frame.data.readableBytes
                if heldBytes > Self.maxHeldBytes {
                    held = []
                    conn.close(.rateLimit)
                } else {
                    held?.append(frame)
                }
            } else {
                process(frame)
            }
        case .ping, .pong:
            let now = MonotonicClock.now()
            guard frame.opcode == .pong ? conn.receivePong(now: now) : conn.receiveControl(now: now) else {
                conn.close(.rateLimit)
                return
            }
            passedOn = true
            context.fireChannelRead(data)
        default:
            passedOn = true
            context.fireChannelRead(data)
        }
    }

    /// The WebSocket layer hears of a read's end only when it got a frame from it (or the
    /// reader has not taken over): data frames stop here, and it has nothing to do otherwise.
    func channelReadComplete(context: ChannelHandlerContext) {
        guard passedOn || held != nil else { return }
        passedOn = false
        context.fireChannelReadComplete()
    }

    /// The reader reached the marker: from now on every data frame is handled here.
    func takeOver(assembler: MessageAssembler) {
        self.assembler = assembler
        hub.counters.add(.fastPathTakeovers)
        let frames = held ?? []
        held = nil
        for frame in frames { process(frame) }
    }

    private func process(_ frame: WebSocketFrame) {
        // Only data frames are held or processed (`channelRead`).
        guard let opcode = MessageAssembler.Opcode(frame.opcode) else { return }
        WebSocketSession.handle(assembler.add(opcode, fin: frame.fin, data: frame.unmaskedData), conn: conn, hub: hub)
    }
}
