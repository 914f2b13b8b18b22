#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import PTTProtocol
import PTTSystem
import Synchronization

/// `ptt-loadgen`: drives a relay with R rooms × M members, K of them talking at 50 frames/s,
/// and reports delivered frames/s, delivery ratio, sender-to-receiver latency, and the relay
/// process's CPU per delivered frame and RSS (from /proc). Everything runs on NIO event loops,
/// no task per frame, so the generator stays cheap next to the relay.
@main
struct LoadGen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ptt-loadgen", abstract: "Load generator for ptt relays.")

    @Option(help: "Relay base URL (ws:// only); several, comma-separated, spread each room's members over the relays of a cluster (talkers on the first).") var url = "ws://127.0.0.1:7700"
    @Option(help: "Rooms.") var rooms = 10
    @Option(help: "Members per room.") var members = 5
    @Option(help: "Talkers per room.") var talkers = 1
    @Option(help: "Measured seconds.") var seconds = 10.0
    @Option(help: "Warm-up seconds before measuring.") var warmup = 2.0
    @Option(help: "Payload bytes per frame (at least 9).") var payload = 80
    @Option(help: "PID of the relay, for CPU and RSS; repeatable (the relays of a cluster: summed).") var relayPid: [Int32] = []
    @Option(help: "Label for the report line.") var label = "relay"
    @Option(help: "Event loop threads.") var threads = 1
    @Flag(help: "The relay is a plain forwarder: no welcome to wait for.") var plain = false

    func run() async throws {
        var relays: [(host: String, port: Int, base: String)] = []
        for url in url.split(separator: ",").map(String.init) {
            guard url.hasPrefix("ws://") else { throw ValidationError("only ws:// URLs") }
            let rest = url.dropFirst("ws://".count)
            let hostPort = rest.prefix { $0 != "/" }
            guard let colon = hostPort.lastIndex(of: ":"), let port = Int(hostPort[hostPort.index(after: colon)...]) else {
                throw ValidationError("URL needs HOST:PORT")
            }
            relays.append((String(hostPort[..<colon]), port, String(rest.dropFirst(hostPort.count))))
        }
        guard !relays.isEmpty else { throw ValidationError("no URL") }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let window = Window()
        let total = rooms * members
        var handlers: [(talker: Bool, handler: NIOLoopBound<LoadHandler>)] = []

        // Connect, a few at a time.
        let connectStart = now()
        for r in 0..<rooms {
            try await withThrowingTaskGroup(of: (Bool, NIOLoopBound<LoadHandler>).self) { tasks in
                for m in 0..<members {
                    // Talkers on the first relay; the others round the relays, from the second.
                    let (host, port, base) = relays[m < talkers ? 0 : (m - talkers + 1) % relays.count]
                    tasks.addTask {
                        let h = try await Self.connect(group: group, host: host, port: port, path: "\(base)/bench-\(r)",
                                                       name: "lg-\(r)-\(m)", window: window, plain: plain, payload: payload)
                        return (m < talkers, h)
                    }
                }
                for try await h in tasks { handlers.append(h) }
            }
        }
        while window.ready.load(ordering: .relaxed) < total {
            guard elapsed(from: connectStart, to: now()) < 60 * .second else { throw ValidationError("only \(window.ready.load(ordering: .relaxed)) of \(total) members welcomed") }
            try await Task.sleep(for: .milliseconds(10))
        }
        // Talk.
        for (talker, h) in handlers where talker { h.eventLoop.execute { h.value.startTalking() } }
        try await Task.sleep(for: .milliseconds(Int(warmup * 1000)))
        let cpuBefore = Self.cpuNanos(relayPid)
        let selfBefore = Self.cpuNanos(getpid())
        let start = now()
        window.start.store(start, ordering: .relaxed)
        window.end.store(start + UInt64(seconds * 1e9), ordering: .relaxed)
        try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
        let cpuAfter = Self.cpuNanos(relayPid)
        let selfAfter = Self.cpuNanos(getpid())
        let rss = relayPid.isEmpty ? nil : relayPid.compactMap { Self.rssKiB($0) }.reduce(0, +)
        // Let the last frames of the window arrive.
        try await Task.sleep(for: .milliseconds(500))
        for (talker, h) in handlers where talker { h.eventLoop.execute { h.value.stopTalking() } }

        var stats = ConnectionStats()
        for (_, h) in handlers {
            let s = try await h.eventLoop.submit { h.value.stats }.get()
            stats.sentInWindow += s.sentInWindow
            stats.receivedInWindow += s.receivedInWindow
            stats.receivedTotal += s.receivedTotal
            stats.latency.merge(s.latency)
            stats.maxGap = max(stats.maxGap, s.maxGap)
        }
        let expected = stats.sentInWindow * UInt64(members - 1)
        let delivered = Double(stats.receivedInWindow) / seconds
        let ratio = expected == 0 ? Double.nan : Double(stats.receivedInWindow) / Double(expected)
        var line = "\(label): rooms=\(rooms) members=\(members) talkers=\(talkers) connections=\(total)"
        line += " delivered/s=\(Self.f(delivered, 0)) expected/s=\(Self.f(Double(expected) / seconds, 0)) ratio=\(Self.f(ratio * 100, 3))%"
        line += " p50=\(Self.f(stats.latency.quantileMicros(0.5) / 1000, 2))ms p99=\(Self.f(stats.latency.quantileMicros(0.99) / 1000, 2))ms"
        line += " p999=\(Self.f(stats.latency.quantileMicros(0.999) / 1000, 2))ms"
        line += " max-gap=\(Self.f(Double(stats.maxGap) / 1e6, 1))ms"
        if let a = cpuBefore, let b = cpuAfter {
            let cpu = Double(b - a)
            line += " relay-cpu=\(Self.f(cpu / (seconds * 1e9) * 100, 1))%"
            if stats.receivedInWindow > 0 { line += " relay-cpu/frame=\(Self.f(cpu / 1000 / Double(stats.receivedInWindow), 2))us" }
        }
        if let rss { line += " relay-rss=\(Self.f(Double(rss) / 1024, 1))MB" }
        let peak = relayPid.compactMap { Self.rssKiB($0, field: "VmHWM:") }
        if !peak.isEmpty { line += " relay-rss-peak=\(Self.f(Double(peak.reduce(0, +)) / 1024, 1))MB" }
        if let a = selfBefore, let b = selfAfter { line += " loadgen-cpu=\(Self.f(Double(b - a) / (seconds * 1e9) * 100, 1))%" }
        print(line)
        for (_, h) in handlers { h.eventLoop.execute { h.value.stopTalking() } }
        try await group.shutdownGracefully()
    }

    enum UpgradeResult: Sendable {
        case websocket(NIOLoopBound<LoadHandler>)
        case refused
    }

    static func connect(group: MultiThreadedEventLoopGroup, host: String, port: Int, path: String, name: String,
                        window: Window, plain: Bool, payload: Int) async throws -> NIOLoopBound<LoadHandler> {
        let result: EventLoopFuture<UpgradeResult> = try await ClientBootstrap(group: group)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOTypedWebSocketClientUpgrader<UpgradeResult>(maxFrameSize: 1 << 17) { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            let handler = LoadHandler(window: window, name: name, plain: plain, payloadSize: payload)
                            try channel.pipeline.syncOperations.addHandler(handler)
                            return .websocket(NIOLoopBound(handler, eventLoop: channel.eventLoop))
                        }
                    }
                    var headers = HTTPHeaders()
                    headers.add(name: "Host", value: "\(host):\(port)")
                    headers.add(name: "Sec-WebSocket-Protocol", value: "ptt.v1")
                    headers.add(name: "Content-Length", value: "0")
                    let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
                    let configuration = NIOTypedHTTPClientUpgradeConfiguration(
                        upgradeRequestHead: head, upgraders: [upgrader],
                        notUpgradingCompletionHandler: { channel in channel.eventLoop.makeCompletedFuture { .refused } })
                    return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
                        configuration: .init(upgradeConfiguration: configuration))
                }
            }
        switch try await result.get() {
        case .websocket(let h):
            h.eventLoop.execute { h.value.sayHello() }
            return h
        case .refused:
            window.failed.add(1, ordering: .relaxed)
            throw ValidationError("upgrade refused for \(path)")
        }
    }

    /// utime + stime of a process, in nanoseconds.
    static func cpuNanos(_ pid: Int32) -> UInt64? {
        guard let text = readProc("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let u = UInt64(fields[11]), let s = UInt64(fields[12]) else { return nil }
        let hz = UInt64(sysconf(Int32(_SC_CLK_TCK)))
        return (u + s) * 1_000_000_000 / max(hz, 1)
    }

    /// The CPU time of several processes together; nil without any, or when one cannot be read.
    static func cpuNanos(_ pids: [Int32]) -> UInt64? {
        guard !pids.isEmpty else { return nil }
        var total: UInt64 = 0
        for pid in pids {
            guard let n = cpuNanos(pid) else { return nil }
            total += n
        }
        return total
    }

    /// A size from /proc/PID/status in KiB: the resident set (`VmRSS:`), or its peak (`VmHWM:`).
    static func rssKiB(_ pid: Int32, field: String = "VmRSS:") -> UInt64? {
        guard let text = readProc("/proc/\(pid)/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field) {
            return UInt64(line.split(separator: " ").dropFirst().first ?? "")
        }
        return nil
    }

    static func readProc(_ path: String) -> String? {
        guard let bytes = try? Posix.readFile(path, limit: 1 << 20), !bytes.isEmpty else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func f(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return "n/a" }
        var p = 1.0
        for _ in 0..<digits { p *= 10 }
        let r = (x * p).rounded() / p
        var s = "\(r)"
        if digits == 0, s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }
}
