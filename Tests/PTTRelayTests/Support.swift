import Hummingbird
import HummingbirdWSClient
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NIOWebSocket
import PTTProtocol
import PTTRelayCore
@testable import PTTRelay
import Synchronization
import Testing

struct TimeoutError: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// A queue one task fills and one test reads, with a timeout on every read.
final class Mailbox<T: Sendable>: Sendable {
    private struct State {
        var items: [T] = []
        var waiter: CheckedContinuation<T?, Never>?
        var waiterID = 0
        var finished = false
    }
    private let state = Mutex(State())

    func put(_ item: T) {
        let waiter: CheckedContinuation<T?, Never>? = state.withLock { s in
            if let w = s.waiter { s.waiter = nil; return w }
            s.items.append(item)
            return nil
        }
        waiter?.resume(returning: item)
    }

    /// The next item, or nil after `timeout`.
    func take(timeout: Duration) async -> T? {
        await withCheckedContinuation { (c: CheckedContinuation<T?, Never>) in
            let (ready, id): (T??, Int) = state.withLock { s in
                if !s.items.isEmpty { return (.some(s.items.removeFirst()), 0) }
                if s.finished { return (.some(nil), 0) }
                s.waiter = c
                s.waiterID += 1
                return (nil, s.waiterID)
            }
            if let ready { c.resume(returning: ready); return }
            Task {
                try? await Task.sleep(for: timeout)
                let w: CheckedContinuation<T?, Never>? = self.state.withLock { s in
                    guard s.waiterID == id, let w = s.waiter else { return nil }
                    s.waiter = nil
                    return w
                }
                w?.resume(returning: nil)
            }
        }
    }
}

let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

/// A relay in this process on 127.0.0.1, a free port.
final class TestRelay: Sendable {
    let server: RelayServer
    let address: RelayAddress
    let task: Task<Void, any Error>

    private init(server: RelayServer, address: RelayAddress, task: Task<Void, any Error>) {
        self.server = server
        self.address = address
        self.task = task
    }

    static func start(_ configure: (inout RelaySettings) -> Void = { _ in }) async throws -> TestRelay {
        var s = RelaySettings()
        s.host = "127.0.0.1"
        s.port = 0
        configure(&s)
        let server = try RelayServer(settings: s, logger: quietLogger)
        let box = Mailbox<RelayAddress>()
        let task = Task { try await server.run { box.put($0) } }
        guard let address = await box.take(timeout: .seconds(20)) else { throw TimeoutError(what: "the relay to listen") }
        return TestRelay(server: server, address: address, task: task)
    }

    func url(_ room: String) -> String { "\(address.url)/\(room)" }

    func stop() async {
        server.shutdown()
        _ = try? await task.value
    }
}

/// Runs `body` with a relay, and stops the relay afterwards.
func withRelay(_ configure: (inout RelaySettings) -> Void = { _ in }, _ body: (TestRelay) async throws -> Void) async throws {
    let relay = try await TestRelay.start(configure)
    do { try await body(relay) } catch {
        await relay.stop()
        throw error
    }
    await relay.stop()
}

/// A WebSocket client as a test drives it: what it receives goes into a mailbox.
final class TestClient: Sendable {
    enum Event: Equatable, Sendable {
        case open
        case text(String)
        case binary([UInt8])
        /// The connection ended: the close code, if a close frame came.
        case closed(Int?)
        case failed(String)
    }

    let events = Mailbox<Event>()
    private let writer = Mutex<WebSocketOutboundWriter?>(nil)
    private let task = Mutex<Task<Void, Never>?>(nil)
    /// The id `welcome` gave.
    let id = Mutex<UInt32>(0)

    var you: UInt32 { id.withLock { $0 } }

    /// Connects and waits until the WebSocket is open.
    static func connect(_ url: String, token: String? = nil, reads: Bool = true, tls: TLSConfiguration? = nil) async throws -> TestClient {
        let client = TestClient()
        var headers: HTTPFields = [.secWebSocketProtocol: "ptt.v1"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 17, additionalHeaders: headers, closeTimeout: .seconds(2),
                                                         sniHostname: tls == nil ? nil : "localhost")
        let t = Task {
            do {
                let frame = try await WebSocketClient.connect(url: url, configuration: configuration, tlsConfiguration: tls, logger: quietLogger) { inbound, outbound, _ in
                    client.writer.withLock { $0 = outbound }
                    client.events.put(.open)
                    if !reads {
                        // Never read: the relay's writes back up.
                        while !Task.isCancelled { try await Task.sleep(for: .seconds(1)) }
                        return
                    }
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        switch message {
                        case .text(let s): client.events.put(.text(s))
                        case .binary(let b): client.events.put(.binary(Array(b.readableBytesView)))
                        }
                    }
                }
                client.events.put(.closed(frame.map { Int(UInt16(webSocketErrorCode: $0.closeCode)) }))
            } catch {
                client.events.put(.failed("\(error)"))
            }
        }
        client.task.withLock { $0 = t }
        switch await client.events.take(timeout: .seconds(10)) {
        case .open?: return client
        case let other?: throw TimeoutError(what: "open, got \(other)")
        case nil: throw TimeoutError(what: "the connection to open")
        }
    }

    func send(_ text: String) async throws {
        guard let w = writer.withLock({ $0 }) else { throw TimeoutError(what: "an open connection") }
        do { try await w.write(.text(text)) } catch { throw await closedError(error) }
    }

    /// A send failed because the connection is gone: say how it ended (close code, last messages).
    /// What it reads is put back, so that a test that expected the send to fail still finds the
    /// close (`closeCode`).
    private func closedError(_ error: any Error) async -> TimeoutError {
        var seen: [Event] = []
        while let e = await events.take(timeout: .milliseconds(500)) {
            seen.append(e)
            if case .closed = e { break }
            if case .failed = e { break }
        }
        for e in seen { events.put(e) }
        return TimeoutError(what: "a send (\(error)); the connection had ended: \(seen.suffix(4).map { "\($0)" })")
    }

    /// Sends one text message as `pieces` WebSocket fragments.
    func sendFragmented(_ text: String, pieces: Int) async throws {
        guard let w = writer.withLock({ $0 }) else { throw TimeoutError(what: "an open connection") }
        let bytes = Array(text.utf8)
        let size = (bytes.count + pieces - 1) / pieces
        try await w.withTextMessageWriter { write in
            var i = 0
            while i < bytes.count {
                try await write(ByteBuffer(bytes: bytes[i..<min(i + size, bytes.count)]))
                i += size
            }
        }
    }

    /// A WebSocket ping frame (control, masked as a client's must be).
    func sendPing() async throws {
        guard let w = writer.withLock({ $0 }) else { throw TimeoutError(what: "an open connection") }
        let ping = WebSocketFrame(fin: true, opcode: .ping, maskKey: .random(), data: ByteBuffer(string: "p"))
        do { try await w.write(.custom(ping)) } catch { throw await closedError(error) }
    }

    func send(binary: [UInt8]) async throws {
        guard let w = writer.withLock({ $0 }) else { throw TimeoutError(what: "an open connection") }
        do { try await w.write(.binary(ByteBuffer(bytes: binary))) } catch { throw await closedError(error) }
    }

    /// The next event; throws after `timeout`.
    func next(timeout: Duration = .seconds(5)) async throws -> Event {
        guard let e = await events.take(timeout: timeout) else { throw TimeoutError(what: "a message") }
        return e
    }

    /// The next event as a control message object; fails on anything else.
    func nextObject(timeout: Duration = .seconds(5), sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONObject {
        let e = try await next(timeout: timeout)
        guard case .text(let s) = e, case .object(let o) = try JSONValue.parse(s) else {
            Issue.record("expected a text message, got \(e)", sourceLocation: sourceLocation)
            throw TimeoutError(what: "a text message")
        }
        return o
    }

    /// The next event as an audio frame; fails on anything else.
    func nextFrame(timeout: Duration = .seconds(5), sourceLocation: SourceLocation = #_sourceLocation) async throws -> AudioFrame {
        let e = try await next(timeout: timeout)
        guard case .binary(let b) = e else {
            Issue.record("expected a binary message, got \(e)", sourceLocation: sourceLocation)
            throw TimeoutError(what: "a binary message")
        }
        return try AudioFrame.decode(b)
    }

    /// Says hello and reads the welcome; returns it.
    @discardableResult
    func hello(_ name: String, listen: Bool = false) async throws -> JSONObject {
        try await send(#"{"t":"hello","v":1,"from":12345,"name":"\#(name)","agent":"test/1","listen":\#(listen)}"#)
        let w = try await nextObject()
        #expect(w["t"] == .string("welcome"))
        if case .int(let you)? = w["you"] { id.withLock { $0 = UInt32(you) } }
        return w
    }

    /// Reads until the connection ends; returns the close code and the `error` word sent before it.
    func closeCode(timeout: Duration = .seconds(5)) async throws -> (code: Int?, word: String?) {
        var word: String?
        while true {
            switch try await next(timeout: timeout) {
            case .text(let s):
                if case .object(let o) = try JSONValue.parse(s), o["t"] == .string("error"), case .string(let w)? = o["code"] { word = w }
            case .closed(let code): return (code, word)
            case .failed(let e): Issue.record("connection failed: \(e)"); return (nil, word)
            case .open, .binary: continue
            }
        }
    }

    /// Closes from this side.
    func close() async {
        if let w = writer.withLock({ $0 }) { try? await w.close(.normalClosure, reason: nil) }
        task.withLock { $0 }?.cancel()
    }

    /// Drops the connection without a close frame... as far as a WebSocket client can: cancels it.
    func abort() { task.withLock { $0 }?.cancel() }
}

/// A frame of kind 1 with a 20 ms Opus TOC byte.
func frame(source: UInt32 = 999, seq: UInt16, flags: AudioFrame.Flags = [], size: Int = 80) -> [UInt8] {
    var payload = [UInt8](repeating: 0xAB, count: max(size, 1))
    payload[0] = 0xF8
    return (try? AudioFrame(source: source, seq: seq, flags: flags, payload: payload).encoded()) ?? []
}

/// One raw HTTP/1.1 exchange; returns the status, headers (lower-cased names) and body.
func httpExchange(port: Int, _ request: String) async throws -> (status: Int, headers: [String: String], body: String) {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port) { ch in
            ch.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: ch) }
        }
    let text: String = try await channel.executeThenClose { inbound, outbound in
        try await outbound.write(ByteBuffer(string: request))
        var all = ""
        for try await buffer in inbound {
            all += String(buffer: buffer)
            // A 101 keeps the connection: stop at the end of the head.
            if all.hasPrefix("HTTP/1.1 101"), all.contains("\r\n\r\n") { break }
        }
        return all
    }
    guard let headEnd = text.range(of: "\r\n\r\n") else { throw TimeoutError(what: "an HTTP response, got \(text)") }
    let lines = text[..<headEnd.lowerBound].split(separator: "\r\n")
    let status = lines.first.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
    var headers: [String: String] = [:]
    for line in lines.dropFirst() {
        if let colon = line.firstIndex(of: ":") {
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingPrefix(" ").description
        }
    }
    return (status, headers, String(text[headEnd.upperBound...]))
}

func upgradeRequest(path: String, token: String?, subprotocol: Bool = true) -> String {
    var r = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    r += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    if subprotocol { r += "Sec-WebSocket-Protocol: ptt.v1\r\n" }
    if let token { r += "Authorization: Bearer \(token)\r\n" }
    return r + "\r\n"
}

func httpGet(port: Int, _ path: String) async throws -> (status: Int, headers: [String: String], body: String) {
    try await httpExchange(port: port, "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
}
