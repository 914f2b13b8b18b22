import NIOCore
import NIOWebSocket
import PTTProtocol
import PTTSystem
import Synchronization

/// The measurement window, in monotonic nanoseconds; frames sent inside it are counted.
final class Window: Sendable {
    let start = Atomic<UInt64>(UInt64.max)
    let end = Atomic<UInt64>(UInt64.max)
    let ready = Atomic<Int>(0)
    let failed = Atomic<Int>(0)

    func contains(_ t: UInt64) -> Bool { t >= start.load(ordering: .relaxed) && t < end.load(ordering: .relaxed) }
}

@inline(__always) func now() -> UInt64 { MonotonicClock.now() }

/// Latencies in 10 µs buckets up to 200 ms.
struct Histogram: Sendable {
    static let bucket: UInt64 = 10_000
    var counts = [UInt64](repeating: 0, count: 20_001)
    var total: UInt64 = 0

    mutating func record(_ nanos: UInt64) {
        counts[Int(min(nanos / Self.bucket, UInt64(counts.count - 1)))] += 1
        total += 1
    }

    mutating func merge(_ other: Histogram) {
        for i in counts.indices { counts[i] += other.counts[i] }
        total += other.total
    }

    /// The upper bound of the bucket holding quantile `q`, in microseconds.
    func quantileMicros(_ q: Double) -> Double {
        guard total > 0 else { return .nan }
        let target = UInt64((Double(total) * q).rounded(.up))
        var seen: UInt64 = 0
        for (i, c) in counts.enumerated() {
            seen += c
            if seen >= target { return Double(UInt64(i + 1) * Self.bucket) / 1000 }
        }
        return .infinity
    }
}

/// What one connection measured.
struct ConnectionStats: Sendable {
    var sentInWindow: UInt64 = 0
    var receivedInWindow: UInt64 = 0
    var receivedTotal: UInt64 = 0
    var latency = Histogram()
    /// The longest time between two frames received in the window (nanoseconds).
    var maxGap: UInt64 = 0
    /// When the last frame of the window arrived.
    var lastArrival: UInt64?
}

/// One simulated member on the event loop: says hello, answers pings, talks at 50 frames/s
/// if it is a talker, and timestamps what it receives. Frame payloads carry the send time.
final class LoadHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let window: Window
    let name: String
    let plain: Bool
    let payloadSize: Int
    var id: UInt32 = UInt32.random(in: 1...UInt32.max)
    var stats = ConnectionStats()
    private var context: ChannelHandlerContext?
    private var seq: UInt16 = 0
    /// Each frame's header, written by `AudioFrame.writeHeader` into the same storage.
    private var header: [UInt8] = []
    private var talking: RepeatedTask?
    private var welcomed = false

    init(window: Window, name: String, plain: Bool, payloadSize: Int) {
        self.window = window
        self.name = name
        self.plain = plain
        self.payloadSize = payloadSize
        header.reserveCapacity(AudioFrame.headerSize)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    /// Says hello, once the upgrade is complete.
    func sayHello() {
        guard let context else { return }
        send(.hello(Hello(from: id, name: name, agent: "ptt-loadgen/1")), context: context)
        if plain { markReady() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        talking?.cancel()
        self.context = nil
    }

    private func markReady() {
        guard !welcomed else { return }
        welcomed = true
        window.ready.add(1, ordering: .relaxed)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .binary:
            let t = now()
            let data = frame.unmaskedData
            stats.receivedTotal += 1
            // The send time follows the header and the TOC byte.
            let sentAt = AudioFrame.headerSize + 1
            guard data.readableBytes >= sentAt + 8, let sent = data.getInteger(at: data.readerIndex + sentAt, as: UInt64.self) else { return }
            if window.contains(sent) {
                stats.receivedInWindow += 1
                stats.latency.record(t &- sent)
                if let last = stats.lastArrival { stats.maxGap = max(stats.maxGap, t &- last) }
                stats.lastArrival = t
            }
        case .text:
            guard !welcomed else { return }
            let data = frame.unmaskedData
            if case .welcome(let w)? = try? ControlMessage.decode(data.readableBytesView, limit: ControlMessage.maxRelayMessageSize) {
                id = w.you
                markReady()
            }
        case .ping:
            var pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            pong.maskKey = .random()
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            context.close(promise: nil)
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Starts talking: `talk` on, then a frame every 20 ms (first one after a random offset).
    func startTalking() {
        guard let context, talking == nil else { return }
        send(.talk(from: id, on: true), context: context)
        let offset = TimeAmount.microseconds(Int64.random(in: 0..<20_000))
        // Cancelled in stopTalking and handlerRemoved; the loop-bound box keeps the handler on its loop.
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        talking = context.eventLoop.scheduleRepeatedTask(initialDelay: offset, delay: .milliseconds(20)) { _ in
            handler.value.sendFrame()
        }
    }

    func stopTalking() {
        talking?.cancel()
        talking = nil
    }

    private func sendFrame() {
        guard let context else { return }
        var b = context.channel.allocator.buffer(capacity: AudioFrame.headerSize + payloadSize)
        header.removeAll(keepingCapacity: true)
        AudioFrame.writeHeader(kind: .opus, source: id, seq: seq, flags: seq == 0 ? .start : [], into: &header)
        b.writeBytes(header)
        // Payload: an Opus TOC byte (CELT 20 ms), the send time, filler.
        b.writeInteger(UInt8(0xF8))
        let t = now()
        b.writeInteger(t)
        b.writeRepeatingByte(0x55, count: max(0, payloadSize - 9))
        seq &+= 1
        if window.contains(t) { stats.sentInWindow += 1 }
        var frame = WebSocketFrame(fin: true, opcode: .binary, data: b)
        frame.maskKey = .random()
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    private func send(_ message: ControlMessage, context: ChannelHandlerContext) {
        var frame = WebSocketFrame(fin: true, opcode: .text, data: context.channel.allocator.buffer(bytes: message.encoded()))
        frame.maskKey = .random()
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }
}
