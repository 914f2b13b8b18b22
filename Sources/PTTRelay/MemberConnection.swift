import Logging
import NIOCore
import NIOWebSocket
import PTTCore
import Synchronization
import HummingbirdWebSocket

/// One WebSocket connection to the relay.
///
/// Ownership: the connection's reader task (the WebSocket handler) feeds inbound messages to
/// `state.protocolState`; any task may queue outbound messages (rooms forward while holding
/// their room's lock, the ticker queues pings); only the writer task (`runWriter`) dequeues
/// and writes to the channel. Everything mutable is in `state`, behind one mutex held for
/// microseconds. Lock order: hub, then room, then connection; a connection never takes a
/// room lock while holding its own.
final class MemberConnection: Sendable {
    enum Outgoing: Sendable {
        case binary(ByteBuffer)
        case text(ByteBuffer)
        case ping
    }

    struct State: Sendable {
        var protocolState: RelayConnection
        var queue: SendQueue<Outgoing>
        /// Set once when the relay decides to close; the writer sends it.
        var closing: CloseReason?
        /// The reader has ended: the writer stops when the queue is done.
        var finished = false
        /// The room membership, set at welcome and taken at leave.
        var membership: (id: UInt32, room: RoomBox)?
    }

    let serial: UInt64
    let roomName: String
    let channel: any Channel
    let logger: Logger
    let counters: Counters
    /// When bytes last arrived on the socket (nanoseconds), from `ActivityHandler`.
    let lastHeard: Atomic<UInt64>
    private let state: Mutex<State>
    private let wake: AsyncStream<Void>.Continuation
    private let wakeups: AsyncStream<Void>
    /// How long a close may take before the socket is closed without ceremony.
    static let closeGrace: TimeAmount = .milliseconds(1000)

    init(serial: UInt64, room: String, channel: any Channel, settings: RelaySettings, logger: Logger, counters: Counters, now: UInt64) {
        self.serial = serial
        self.counters = counters
        self.roomName = room
        self.channel = channel
        self.logger = logger
        self.lastHeard = Atomic(now)
        self.state = Mutex(State(protocolState: RelayConnection(now: now, limits: settings.connection),
                                 queue: SendQueue(limits: settings.queue)))
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    // MARK: Inbound (reader task)

    func receiveText(_ bytes: [UInt8], now: UInt64) -> RelayConnection.TextDecision {
        state.withLock { $0.protocolState.receiveText(bytes, now: now) }
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

    /// Time-driven checks; returns a close reason if the connection must close.
    func tick(now: UInt64) {
        let heard = lastHeard.load(ordering: .relaxed)
        let action: RelayConnection.TickAction = state.withLock { s in
            s.protocolState.heard(now: heard)
            let a = s.protocolState.tick(now: now)
            if a == .ping, s.closing == nil { _ = s.queue.enqueueControl(.ping, bytes: 8) }
            return a
        }
        switch action {
        case .none: break
        case .ping: wake.yield()
        case .close(let reason): close(reason)
        }
    }

    // MARK: Outbound (any task)

    /// Queues an audio frame; false when the connection is closing. Closes it 4408 if it cannot keep up.
    @discardableResult
    func enqueueAudio(_ frame: ByteBuffer, micros: Int, now: UInt64) -> Bool {
        let result: SendQueue<Outgoing>.EnqueueResult? = state.withLock { s in
            guard s.closing == nil, !s.finished else { return nil }
            return s.queue.enqueueAudio(.binary(frame), micros: micros, now: now)
        }
        switch result {
        case nil: return false
        case .queued(let dropped)?:
            if dropped > 0 { counters.droppedFrames.add(dropped) }
            wake.yield()
            return true
        case .tooSlow?:
            close(.tooSlow)
            return false
        }
    }

    /// Queues a control message (never dropped). Closes the connection 4408 if its queue overflows.
    @discardableResult
    func enqueueText(_ message: ByteBuffer) -> Bool {
        let result: SendQueue<Outgoing>.EnqueueResult? = state.withLock { s in
            guard s.closing == nil, !s.finished else { return nil }
            return s.queue.enqueueControl(.text(message), bytes: message.readableBytes)
        }
        switch result {
        case nil: return false
        case .queued?:
            wake.yield()
            return true
        case .tooSlow?:
            close(.tooSlow)
            return false
        }
    }

    /// Decides to close the connection: the writer sends `error` (if the code has a word) and the
    /// close frame. Queued messages are discarded. Only the first reason counts.
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

    /// The reader has ended: the writer stops.
    func finishReading() {
        state.withLock { s in
            s.finished = true
            s.protocolState.closed()
        }
        wake.finish()
    }

    // MARK: Writer task

    /// Drains the queue to the socket until the connection closes. Writes go straight to the
    /// channel in batches (one event-loop hop and one flush per batch), and the next batch waits
    /// for the previous one to be written: a peer that stops reading holds its writer here while
    /// its queue, bounded, drops its oldest audio.
    func runWriter(outbound: WebSocketOutboundWriter, hub: Hub) async {
        for await _ in wakeups {
            while true {
                enum Step { case write([Outgoing]), close(CloseReason), idle, stop }
                let step: Step = state.withLock { s in
                    if let reason = s.closing {
                        return s.finished ? .stop : .close(reason)
                    }
                    var batch: [Outgoing] = []
                    while batch.count < 64, let item = s.queue.dequeue() { batch.append(item.payload) }
                    if batch.isEmpty { return s.finished ? .stop : .idle }
                    return .write(batch)
                }
                switch step {
                case .idle:
                    break
                case .stop:
                    return
                case .close(let reason):
                    await sendClose(reason, outbound: outbound, hub: hub)
                    return
                case .write(let batch):
                    if await !write(batch) { return }
                    continue
                }
                break
            }
        }
    }

    private func write(_ batch: [Outgoing]) async -> Bool {
        var frames: [WebSocketFrame] = []
        frames.reserveCapacity(batch.count)
        var binaryFrames = 0, binaryBytes = 0, texts = 0
        for item in batch {
            switch item {
            case .binary(let b):
                frames.append(WebSocketFrame(fin: true, opcode: .binary, data: b))
                binaryFrames += 1
                binaryBytes += b.readableBytes
            case .text(let b):
                frames.append(WebSocketFrame(fin: true, opcode: .text, data: b))
                texts += 1
            case .ping:
                var data = channel.allocator.buffer(capacity: 8)
                data.writeInteger(monotonicNanos())
                frames.append(WebSocketFrame(fin: true, opcode: .ping, data: data))
            }
        }
        let channel = self.channel
        let toWrite = frames
        do {
            try await channel.eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
                let promise = channel.eventLoop.makePromise(of: Void.self)
                for (i, f) in toWrite.enumerated() {
                    channel.write(f, promise: i == toWrite.count - 1 ? promise : nil)
                }
                channel.flush()
                return promise.futureResult
            }.get()
        } catch {
            return false
        }
        counters.framesOut.add(binaryFrames)
        counters.bytesOut.add(binaryBytes)
        counters.textOut.add(texts)
        return true
    }

    private func sendClose(_ reason: CloseReason, outbound: WebSocketOutboundWriter, hub: Hub) async {
        hub.leave(self)
        if let error = reason.errorMessage {
            let bytes = error.encoded()
            var buffer = channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            guard await write([.text(buffer)]) else { return }
        }
        try? await outbound.close(WebSocketErrorCode(codeNumber: Int(reason.code.rawValue)), reason: String(reason.text.prefix(100)))
    }
}
