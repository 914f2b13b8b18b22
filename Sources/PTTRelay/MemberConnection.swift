import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import PTTProtocol
import PTTRelayCore
import Synchronization
import PTTSystem

/// One WebSocket connection to the relay.
///
/// Ownership: the connection's reader task (the WebSocket handler, `WebSocketSession`) feeds
/// inbound messages to `state.protocolState`. Outbound messages are written on the channel's
/// event loop only (`deliver`, `drain`): rooms hand them over with one `execute` per event loop
/// per message (or none: `RoomBox`), so a message reaches the socket without a task switch.
/// While the socket keeps up they are written at once (straight to the socket on plain
/// connections, `RawWriteHandler`); otherwise they wait in `state.queue`,
/// whose policy (`SendQueue`) drops the oldest audio and decides when the member is too slow,
/// until `channelWritabilityChanged` drains it. Closing is done by the connection's closer task
/// (`runCloser`). Everything mutable is in `state`, behind one mutex held for microseconds.
/// Lock order: hub, then room, then connection.
final class MemberConnection: Sendable {
    /// A message for the socket: its payload and, encoded once for every member, its whole
    /// WebSocket frame (`WireFrame`), written below the frame encoder when possible.
    enum Outgoing: Sendable {
        case binary(ByteBuffer, wire: ByteBuffer)
        case text(ByteBuffer, wire: ByteBuffer)
        case ping

        static func text(_ payload: ByteBuffer) -> Outgoing { .text(payload, wire: WireFrame.encode(opcode: WireFrame.text, payload: payload)) }
        static func binary(_ payload: ByteBuffer) -> Outgoing { .binary(payload, wire: WireFrame.encode(opcode: WireFrame.binary, payload: payload)) }
    }

    struct State: Sendable {
        var protocolState: RelayConnection
        var queue: SendQueue<Outgoing>
        /// Set once when the relay decides to close; the closer task sends it.
        var closing: CloseReason?
        /// The reader has ended.
        var finished = false
        /// The room membership, set at welcome and taken at leave.
        var membership: (id: UInt32, room: RoomBox)?
        /// Writes encoded frames straight below the WebSocket frame encoder, once installed.
        var raw: NIOLoopBound<RawWriteHandler>?
    }

    let serial: UInt64
    let roomName: String
    /// Came in with an operator token.
    let op: Bool
    /// Its address's place in the per-address limits; nil when the address is not limited.
    let address: AddressSlot?
    let channel: any Channel
    let logger: Logger
    let counters: Counters
    /// When bytes last arrived on the socket (nanoseconds), from `ConnectionEventsHandler`.
    let lastHeard: Atomic<UInt64>
    private let state: Mutex<State>
    private let wake: AsyncStream<Void>.Continuation
    private let wakeups: AsyncStream<Void>
    /// How long audio may be dropped for a member that does not keep up before it is closed.
    let tooSlowAfter: UInt64
    /// How long a close may take before the socket is closed without ceremony.
    static let closeGrace: TimeAmount = .milliseconds(1000)

    var eventLoop: any EventLoop { channel.eventLoop }

    init(serial: UInt64, room: String, op: Bool = false, channel: any Channel, address: AddressSlot?, settings: RelaySettings, logger: Logger,
         counters: Counters, now: UInt64) {
        self.serial = serial
        self.op = op
        self.address = address
        self.counters = counters
        self.roomName = room
        self.channel = channel
        self.logger = logger
        self.lastHeard = Atomic(now)
        self.tooSlowAfter = settings.queue.tooSlowAfter
        self.state = Mutex(State(protocolState: RelayConnection(now: now, limits: settings.connection),
                                 queue: SendQueue(limits: settings.queue)))
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    // MARK: Inbound (reader task)

    func receiveText(_ bytes: [UInt8], now: UInt64) -> RelayConnection.TextDecision {
        state.withLock { $0.protocolState.receiveText(bytes, now: now) }
    }

    func receiveControl(now: UInt64) -> Bool {
        state.withLock { $0.protocolState.receiveControl(now: now) }
    }

    func receivePong(now: UInt64) -> Bool {
        state.withLock { $0.protocolState.receivePong(now: now) }
    }

    func receiveBinary(count: Int, kind: UInt8, flags: UInt8, now: UInt64) -> (RelayConnection.BinaryDecision, (id: UInt32, room: RoomBox)?) {
        state.withLock { s in (s.protocolState.receiveBinary(count: count, kind: kind, flags: flags, now: now), s.membership) }
    }

    var membership: (id: UInt32, room: RoomBox)? { state.withLock { $0.membership } }

    /// Called by the room, under its lock, when the connection is welcomed.
    func welcomed(id: UInt32, room: RoomBox) {
        state.withLock { s in
            s.protocolState.welcomed(id: id)
            s.membership = (id, room)
        }
    }

    /// Takes the membership away (leave): returns it once.
    func takeMembership() -> (id: UInt32, room: RoomBox)? {
        state.withLock { s in
            defer { s.membership = nil }
            return s.membership
        }
    }

    /// Time-driven checks: keepalive pings, hello and idle timeouts.
    func tick(now: UInt64) {
        let heard = lastHeard.load(ordering: .relaxed)
        let action: RelayConnection.TickAction = state.withLock { s in
            s.protocolState.heard(now: heard)
            return s.protocolState.tick(now: now)
        }
        switch action {
        case .none: break
        case .ping: eventLoop.execute { self.deliver(.ping, now: now) }
        case .close(let reason): close(reason)
        }
    }

    // MARK: Outbound (on the event loop)

    /// Writes or queues one message; on the channel's event loop. Returns whether it was written
    /// at once. Closes the connection 4408 when it cannot keep up.
    @discardableResult
    func deliver(_ item: Outgoing, now: UInt64) -> Bool {
        enum Step { case write(NIOLoopBound<RawWriteHandler>?), queued(Int), skip, tooSlow }
        let tooSlowAfter = self.tooSlowAfter
        let step: Step = state.withLock { s in
            guard s.closing == nil, !s.finished else { return .skip }
            if case .binary = item, case .drop(let since) = s.protocolState.audioOut(now: now) {
                // Not reading (a ping unanswered): what the socket buffers would hold for it
                // reaches it late, so its audio is dropped, and after long enough it is too slow.
                return elapsed(from: since, to: now) >= tooSlowAfter ? .tooSlow : .queued(1)
            }
            // Nothing waiting in the channel for a direct socket means it is writable.
            if s.queue.isEmpty && (s.raw?.value.clear == true || self.channel.isWritable) { return .write(s.raw) }
            let result: SendQueue<Outgoing>.EnqueueResult
            switch item {
            case .binary(let b, _): result = s.queue.enqueueAudio(item, micros: s.queue.weight(ofFrame: b.readableBytesView), now: now)
            case .text(let b, _): result = s.queue.enqueueControl(item, bytes: b.readableBytes)
            case .ping: result = s.queue.enqueueControl(item, bytes: 8)
            }
            switch result {
            case .queued(let dropped): return .queued(dropped)
            case .tooSlow: return .tooSlow
            }
        }
        switch step {
        case .write(let raw):
            if write(item, raw: raw) { flush(raw: raw) }
            if case .text = item { counters.add(.textOut) }
            return true
        case .queued(let dropped):
            if dropped > 0 { counters.add(.droppedFrames, dropped) }
            return false
        case .skip:
            return false
        case .tooSlow:
            close(.tooSlow)
            return false
        }
    }

    /// Writes what waited while the socket was full; on the event loop, when it becomes writable.
    func drain() {
        var frames = 0, bytes = 0, texts = 0
        var raw: NIOLoopBound<RawWriteHandler>?
        var needsFlush = false
        while channel.isWritable {
            guard let (item, r) = state.withLock({ s in s.closing == nil ? s.queue.dequeue().map { ($0.payload, s.raw) } : nil }) else { break }
            raw = r
            switch item {
            case .binary(let b, _): frames += 1; bytes += b.readableBytes
            case .text: texts += 1
            case .ping: break
            }
            if write(item, raw: r) { needsFlush = true }
        }
        if needsFlush { flush(raw: raw) }
        counters.add(.framesOut, frames)
        counters.add(.bytesOut, bytes)
        counters.add(.textOut, texts)
    }

    /// Writes one message: its encoded frame below the encoder if possible, else through the
    /// pipeline. Returns whether the channel needs a flush (not when it went to the socket directly).
    private func write(_ item: Outgoing, raw: NIOLoopBound<RawWriteHandler>?) -> Bool {
        switch item {
        case .binary(_, let wire), .text(_, let wire):
            if let raw {
                switch raw.value.write(wire) {
                case .sent: return false
                case .inChannel: return true
                case .gone: break
                }
            }
        case .ping:
            break
        }
        channel.write(frame(item), promise: nil)
        return true
    }

    private func flush(raw: NIOLoopBound<RawWriteHandler>?) {
        if let raw, raw.value.flush() { return }
        channel.flush()
    }

    /// Installs the raw writer (on the event loop, from the reader's set-up).
    func useRawWriter(_ raw: NIOLoopBound<RawWriteHandler>) {
        state.withLock { $0.raw = raw }
    }

    private func frame(_ item: Outgoing) -> WebSocketFrame {
        switch item {
        case .binary(let b, _): return WebSocketFrame(fin: true, opcode: .binary, data: b)
        case .text(let b, _): return WebSocketFrame(fin: true, opcode: .text, data: b)
        case .ping:
            var data = channel.allocator.buffer(capacity: 8)
            data.writeInteger(MonotonicClock.now())
            return WebSocketFrame(fin: true, opcode: .ping, data: data)
        }
    }

    // MARK: Closing

    /// Decides to close the connection: the closer task sends `error` (if the code has a word)
    /// and the close frame. Queued messages are discarded. Only the first reason counts.
    func close(_ reason: CloseReason) {
        let first = state.withLock { s -> Bool in
            guard s.closing == nil, !s.finished else { return false }
            s.closing = reason
            s.queue.removeAll()
            s.protocolState.closed()
            return true
        }
        guard first else { return }
        counters.closed(reason.code)
        logger.info("close", metadata: [
            "conn": "\(serial)", "room": "\(roomName)", "code": "\(reason.code.rawValue)",
            "reason": "\(reason.word ?? "-")", "detail": "\(reason.text)",
        ])
        // A peer that does not read may never take the close frame: cut it off after a grace period.
        let channel = self.channel
        channel.eventLoop.scheduleTask(in: Self.closeGrace) { channel.close(promise: nil) }
        wake.yield()
    }

    var isClosing: Bool { state.withLock { $0.closing != nil } }

    /// The reader has ended: nothing more is sent.
    func finishReading() {
        state.withLock { s in
            s.finished = true
            s.protocolState.closed()
            s.queue.removeAll()
        }
        wake.finish()
    }

    /// Waits for a close decision and carries it out: leave the room, `error`, close frame.
    func runCloser(outbound: WebSocketOutboundWriter, hub: Hub) async {
        for await _ in wakeups {
            let reason: CloseReason? = state.withLock { s in s.finished ? nil : s.closing }
            guard let reason else { continue }
            hub.leave(self)
            if let error = reason.errorMessage {
                let buffer = Hub.buffer(error.encoded())
                let channel = self.channel
                let written = channel.eventLoop.flatSubmit {
                    channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: buffer))
                }
                guard (try? await written.get()) != nil else { return }
            }
            try? await outbound.close(WebSocketErrorCode(codeNumber: Int(reason.code.rawValue)), reason: String(reason.text.prefix(100)))
            return
        }
    }
}
