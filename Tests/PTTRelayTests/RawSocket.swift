#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import PTTProtocol

/// A blocking TCP client socket from a chosen loopback address (127.0.0.2 is another address
/// than 127.0.0.1 to the relay), for what the WebSocket client cannot do: pick its source
/// address, or hold a socket open without a protocol on top. Its waits run on a dispatch
/// thread, never on the tasks' threads, which an in-process relay needs.
final class RawSocket: @unchecked Sendable {
    let fd: Int32
    private var buffered: [UInt8] = []
    /// The peer closed the connection.
    private(set) var ended = false

    init(port: Int, from source: String = "127.0.0.1") throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TimeoutError(what: "a socket") }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, source, &local.sin_addr)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        let connected = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, connected == 0 else {
            close(fd)
            throw TimeoutError(what: "a connection from \(source)")
        }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            sent += n
        }
    }

    /// Reads what arrives within `milliseconds` into the buffer; false when nothing came.
    @discardableResult
    private func fill(milliseconds: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, milliseconds) == 1 else { return false }
        var chunk = [UInt8](repeating: 0, count: 4096)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { ended = true; return false }
        buffered += chunk[0..<n]
        return true
    }

    /// Sends a WebSocket upgrade to `path` and reads the response head; its status, or nil if
    /// the connection ended (or nothing came for 3 s).
    func upgrade(_ path: String) async -> Int? { await offThread { self.upgradeNow(path) } }

    private func offThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { c in DispatchQueue.global().async { c.resume(returning: body()) } }
    }

    private func upgradeNow(_ path: String) -> Int? {
        send(Array(upgradeRequest(path: path, token: nil).utf8))
        while true {
            if let end = buffered.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: buffered[..<end.lowerBound], as: UTF8.self)
                buffered.removeSubrange(..<end.upperBound)
                return head.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            }
            guard fill(milliseconds: 3000) else { return nil }
        }
    }

    /// Sends one text message as a client's WebSocket frame (masked, with a zero key).
    func sendText(_ text: String) {
        let payload = Array(text.utf8)
        var frame: [UInt8] = [0x81]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else {
            frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        }
        send(frame + [0, 0, 0, 0] + payload)
    }

    /// The next text message from the relay (unfragmented, as the relay sends them), or nil.
    func nextText() -> String? {
        while true {
            if buffered.count >= 2 {
                let opcode = buffered[0] & 0x0F
                var length = Int(buffered[1] & 0x7F), start = 2
                if length == 126, buffered.count >= 4 { length = Int(buffered[2]) << 8 | Int(buffered[3]); start = 4 }
                if length < 126 || start == 4, buffered.count >= start + length {
                    let payload = Array(buffered[start..<start + length])
                    buffered.removeSubrange(..<(start + length))
                    if opcode == 1 { return String(decoding: payload, as: UTF8.self) }
                    if opcode == 8 { return nil }
                    continue
                }
            }
            guard fill(milliseconds: 3000) else { return nil }
        }
    }

    /// Every frame the relay has sent until nothing more comes for `quietMillis`: opcode and
    /// payload (frames from the relay are unmasked and unfragmented).
    func drainFrames(quietMillis: Int32 = 300) async -> [(opcode: UInt8, payload: [UInt8])] {
        await offThread { self.drainNow(quietMillis: quietMillis) }
    }

    private func drainNow(quietMillis: Int32) -> [(opcode: UInt8, payload: [UInt8])] {
        var frames: [(opcode: UInt8, payload: [UInt8])] = []
        while true {
            while buffered.count >= 2 {
                var length = Int(buffered[1] & 0x7F), start = 2
                if length == 126 {
                    guard buffered.count >= 4 else { break }
                    length = Int(buffered[2]) << 8 | Int(buffered[3]); start = 4
                } else if length == 127 {
                    guard buffered.count >= 10 else { break }
                    length = buffered[2..<10].reduce(0) { $0 << 8 | Int($1) }; start = 10
                }
                guard buffered.count >= start + length else { break }
                frames.append((buffered[0] & 0x0F, Array(buffered[start..<start + length])))
                buffered.removeSubrange(..<(start + length))
            }
            guard fill(milliseconds: quietMillis) else { return frames }
        }
    }

    /// Answers a ping as a WebSocket client does (masked, with a zero key).
    func sendPong(_ payload: [UInt8]) {
        send([0x8A, 0x80 | UInt8(payload.count), 0, 0, 0, 0] + payload)
    }

    /// Says hello as a ptt client would; the relay's answer's type (`welcome`), or nil.
    func hello(_ name: String) async -> String? { await offThread { self.helloNow(name) } }

    private func helloNow(_ name: String) -> String? {
        sendText(#"{"t":"hello","v":1,"from":\#(UInt32.random(in: 1...1_000_000)),"name":"\#(name)","agent":"test/1","listen":false}"#)
        guard let text = nextText(), case .object(let o)? = try? JSONValue.parse(text), case .string(let t)? = o["t"] else { return nil }
        return t
    }

    /// Whether the relay closed the connection within `milliseconds` (anything it sent is read and dropped).
    func closes(within milliseconds: Int32) async -> Bool { await offThread { self.closesNow(within: milliseconds) } }

    private func closesNow(within milliseconds: Int32) -> Bool {
        var left = milliseconds
        while !ended, left > 0 {
            if !fill(milliseconds: 100) { left -= 100 }
        }
        return ended
    }
}
