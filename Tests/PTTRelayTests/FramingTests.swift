import NIOCore
import NIOPosix
import PTTProtocol
@testable import PTTRelay
import PTTRelayCore
import Testing

/// RFC 6455 framing after `hello`, with raw frames a library client would never send: the
/// relay closes with 1002 (protocol error) or 1007 (invalid UTF-8), and forwards nothing.
@Suite struct FramingTests {
    /// One client frame: masked unless `masked` is false, with RSV1 when asked.
    static func wire(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, masked: Bool = true, rsv1: Bool = false) -> [UInt8] {
        var out: [UInt8] = [(fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode]
        precondition(payload.count < 126)
        out.append((masked ? 0x80 : 0) | UInt8(payload.count))
        guard masked else { return out + payload }
        let key: [UInt8] = [0x11, 0x22, 0x33, 0x44]
        out += key
        out += payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        return out
    }

    static let hello = Array(#"{"t":"hello","v":1,"from":5,"name":"mallory","agent":"t","listen":false}"#.utf8)

    /// Opens a raw connection, says hello, sends `attack` once the room has welcomed it, and
    /// returns the close code of the relay's close frame (nil if none came).
    static func closeCode(port: Int, room: String, attack: [UInt8]) async throws -> UInt16? {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { ch in
                ch.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: ch) }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: upgradeRequest(path: "/\(room)", token: nil)))
            var bytes: [UInt8] = []
            var upgraded = false, attacked = false
            for try await buffer in inbound {
                bytes += Array(buffer.readableBytesView)
                if !upgraded, let end = Self.headEnd(bytes) {
                    upgraded = true
                    bytes.removeFirst(end)
                    try await outbound.write(ByteBuffer(bytes: wire(0x1, hello)))
                }
                // Server frames: unmasked, short here. The welcome (text) comes first, then the close.
                while bytes.count >= 2 {
                    let length = Int(bytes[1] & 0x7F)
                    let header = length == 126 ? 4 : 2
                    let size = length == 126 ? Int(bytes[2]) << 8 | Int(bytes[3]) : length
                    guard bytes.count >= header + size else { break }
                    let opcode = bytes[0] & 0x0F
                    let payload = Array(bytes[header..<(header + size)])
                    bytes.removeFirst(header + size)
                    if opcode == 0x8 { return payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil }
                    if opcode == 0x1, !attacked {
                        attacked = true
                        // Give the event loop's fast path its moment to take over, as after any hello.
                        try await Task.sleep(for: .milliseconds(300))
                        try await outbound.write(ByteBuffer(bytes: attack))
                    }
                }
            }
            return nil
        }
    }

    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 { return i + 4 }
        return nil
    }

    @Test func forbiddenFramesCloseWith1002AndBadTextWith1007() async throws {
        try await withRelay { relay in
            let port = relay.address.port
            let chat = Array(#"{"t":"chat","from":5,"text":"hi"}"#.utf8)
            let cases: [(String, [UInt8], UInt16)] = [
                ("reserved bit", Self.wire(0x1, chat, rsv1: true), 1002),
                ("unmasked", Self.wire(0x1, chat, masked: false), 1002),
                ("stray continuation", Self.wire(0x0, chat), 1002),
                ("interleaved", Self.wire(0x1, Array(chat.prefix(5)), fin: false) + Self.wire(0x2, [1, 2, 3]), 1002),
                ("invalid UTF-8", Self.wire(0x1, [0x7B, 0xC3, 0x28, 0x7D]), 1007),
            ]
            for (i, (what, attack, expected)) in cases.enumerated() {
                let code = try await Self.closeCode(port: port, room: "frames\(i)", attack: attack)
                #expect(code == expected, "\(what): closed with \(code.map(String.init) ?? "nothing")")
            }
        }
    }
}
