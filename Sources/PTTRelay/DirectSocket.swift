import Glibc
import NIOCore
import PTTSystem

/// A connection's TCP socket, written without SwiftNIO's write path: one `send` per frame,
/// which is what the kernel charges and nothing more. SwiftNIO keeps its descriptor private, so
/// it is found by reflection and used only if the socket behind it has the channel's own local
/// and remote addresses; the caller holds a duplicate, so the number cannot be reused under it.
/// Only for plain connections (with TLS the bytes must pass the TLS handler). Used on the
/// channel's event loop only, by `RawWriteHandler`, which owns the duplicate and decides when
/// writing here keeps the byte order (nothing waiting in the channel).
enum DirectSocket {
    /// A duplicate of the channel's socket (close it when done); nil when it cannot be found or
    /// does not match.
    static func duplicate(of channel: any Channel) -> CInt? {
        guard let found = reflectedDescriptor(of: channel), found >= 0,
              let local = channel.localAddress, let remote = channel.remoteAddress,
              address(found, getsockname) == local, address(found, getpeername) == remote else { return nil }
        return try? Posix.call("fcntl") { fcntl(found, F_DUPFD_CLOEXEC, 0) }
    }

    enum Sent {
        /// All of it.
        case all
        /// The bytes from this index on are not sent: the socket is full (or failed; the
        /// channel finds out when it writes them).
        case from(Int)
    }

    /// Sends what it can of `bytes` to `descriptor` at once, without blocking. A full socket
    /// (EAGAIN) is this call's ordinary end, not an error, and so is a failed one (the channel
    /// reports it when it writes the rest): neither goes through `Posix.call`, whose errors
    /// would cost a `PosixError` on every frame that fills a socket; only EINTR is retried.
    static func send(_ bytes: ByteBuffer, to descriptor: CInt) -> Sent {
        let count = bytes.readableBytes
        var done = 0
        while done < count {
            let n = bytes.withUnsafeReadableBytes { raw in
                Glibc.send(descriptor, raw.baseAddress! + done, count - done, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if n > 0 {
                done += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        return done == count ? .all : .from(done)
    }

    /// The descriptor SwiftNIO's socket channel holds (`socket.descriptor` in its class chain).
    private static func reflectedDescriptor(of channel: any Channel) -> CInt? {
        guard let socket = child("socket", of: channel) else { return nil }
        return child("descriptor", of: socket) as? CInt
    }

    /// A stored property by name, looked up through the superclasses.
    private static func child(_ label: String, of value: Any) -> Any? {
        var mirror: Mirror? = Mirror(reflecting: value)
        while let m = mirror {
            if let found = m.children.first(where: { $0.label == label }) { return found.value }
            mirror = m.superclassMirror
        }
        return nil
    }

    private static func address(_ fd: CInt, _ get: (CInt, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> CInt) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { get(fd, $0, &length) == 0 }
        }
        guard ok else { return nil }
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafeBytes(of: storage) { SocketAddress($0.load(as: sockaddr_in.self)) }
        case AF_INET6:
            return withUnsafeBytes(of: storage) { SocketAddress($0.load(as: sockaddr_in6.self)) }
        default:
            return nil
        }
    }
}
