// ptt-netem: a user-space TCP proxy that impairs one direction the way a bad network path does
// for a TCP transport: added jitter (each chunk delayed by a random 0...J ms, never overtaking
// the one before it, as TCP keeps order) and stalls (nothing delivered for S ms every P ms, then
// the backlog at once, as after a retransmission). This kernel has no netem qdisc, so tests and
// benchmarks put this between a client and the relay on 127.0.0.1.
//
// Usage: ptt-netem --listen PORT --to PORT [--jitter-ms J] [--stall-ms S --every-ms P] [--seed N]
// (--listen 0: a free port, printed.)
// The impaired direction is relay → client (what a listener hears); client → relay passes as is.
// It prints "listening on PORT" when ready and runs until killed.
import Glibc
import PTTProtocol
import PTTSystem
import Synchronization

struct Impairment: Sendable {
    var jitterNanos: UInt64 = 0
    var stallNanos: UInt64 = 0
    var everyNanos: UInt64 = 0
}

func usage(_ message: String) -> Never {
    try? Posix.writeAll(2, "ptt-netem: \(message)\nusage: ptt-netem --listen PORT --to PORT [--jitter-ms J] [--stall-ms S --every-ms P] [--seed N]\n")
    exit(64)
}

var listenPort: UInt16?
var targetPort: UInt16?
var impairment = Impairment()
var seed: UInt64 = 1
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard let value = arguments.popFirst() else { usage("\(flag) needs a value") }
    guard let number = UInt64(value) else { usage("\(flag): '\(value)' is not a whole number") }
    switch flag {
    case "--listen": listenPort = UInt16(exactly: number)
    case "--to": targetPort = UInt16(exactly: number)
    case "--jitter-ms": impairment.jitterNanos = number * .millisecond
    case "--stall-ms": impairment.stallNanos = number * .millisecond
    case "--every-ms": impairment.everyNanos = number * .millisecond
    case "--seed": seed = number
    default: usage("unknown option \(flag)")
    }
}
guard let listenPort, let targetPort else { usage("--listen and --to are required") }
if impairment.stallNanos > 0 && impairment.everyNanos <= impairment.stallNanos { usage("--every-ms must be longer than --stall-ms") }
signal(SIGPIPE, SIG_IGN)

func loopback(_ port: UInt16) -> sockaddr_in {
    var a = sockaddr_in()
    a.sin_family = sa_family_t(AF_INET)
    a.sin_port = port.bigEndian
    a.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    return a
}

func withAddress<T>(_ port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
    var a = loopback(port)
    return withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
}

func noDelay(_ fd: Int32) {
    var one: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
}

/// Runs `body` on a detached thread.
@Sendable func spawn(_ body: @escaping @Sendable () -> Void) {
    final class Box: @unchecked Sendable { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
    var thread = pthread_t()
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    pthread_create(&thread, nil, { raw in
        let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
        box.body()
        return nil
    }, box)
    pthread_detach(thread)
}

/// Copies `from` to `to` as it comes.
@Sendable func pass(from: Int32, to: Int32) {
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        guard let n = try? Posix.call("read", { buffer.withUnsafeMutableBytes { read(from, $0.baseAddress, $0.count) } }), n > 0 else { break }
        guard buffer.withUnsafeBytes({ Posix.writeAll(to, $0.baseAddress!, n) }) == nil else { break }
    }
    shutdown(to, Int32(SHUT_WR))
    shutdown(from, Int32(SHUT_RD))
}

/// Copies `from` to `to`, each chunk released at its arrival plus a random 0...jitter, never
/// before the chunk ahead of it, and held to the end of a stall window if it falls in one.
@Sendable func impair(from: Int32, to: Int32, _ impairment: Impairment, seed: UInt64) {
    let queue = Mutex<(chunks: [(release: UInt64, bytes: [UInt8])], closed: Bool)>(([], false))
    let writerDone = Atomic<Bool>(false)
    spawn {
        while true {
            let next = queue.withLock { q -> (UInt64, [UInt8])?? in
                if let first = q.chunks.first { return .some((first.release, first.bytes)) }
                return q.closed ? .some(nil) : nil
            }
            guard let item = next else { MonotonicClock.sleep(nanos: 500 * .microsecond); continue }
            guard let (release, bytes) = item else { break }
            let now = MonotonicClock.now()
            if release > now { MonotonicClock.sleep(nanos: min(release - now, 500 * .microsecond)); continue }
            queue.withLock { _ = $0.chunks.removeFirst() }
            if (try? Posix.writeAll(to, bytes)) == nil { break }
        }
        shutdown(to, Int32(SHUT_WR))
        writerDone.store(true, ordering: .releasing)
    }
    var rng = SplitMix64(seed: seed)
    var last: UInt64 = 0
    let start = MonotonicClock.now()
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        guard let n = try? Posix.call("read", { buffer.withUnsafeMutableBytes { read(from, $0.baseAddress, $0.count) } }), n > 0 else { break }
        let now = MonotonicClock.now()
        var release = now
        if impairment.jitterNanos > 0 { release += rng.next() % (impairment.jitterNanos + 1) }
        if impairment.stallNanos > 0 {
            let phase = (now - start) % impairment.everyNanos
            if phase < impairment.stallNanos { release = max(release, now + impairment.stallNanos - phase) }
        }
        release = max(release, last)
        last = release
        queue.withLock { $0.chunks.append((release, Array(buffer[0..<n]))) }
    }
    queue.withLock { $0.closed = true }
    while !writerDone.load(ordering: .acquiring) { MonotonicClock.sleep(nanos: .millisecond) }
}

let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
var one: Int32 = 1
setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
guard withAddress(listenPort, { bind(listener, $0, $1) }) == 0, listen(listener, 64) == 0 else {
    usage("cannot listen on 127.0.0.1:\(listenPort): \(PosixError.current("bind").reason)")
}
// The port bound (with --listen 0, the one the system chose).
var bound = sockaddr_in()
var boundLength = socklen_t(MemoryLayout<sockaddr_in>.size)
_ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &boundLength) } }
try? Posix.writeAll(1, "listening on \(UInt16(bigEndian: bound.sin_port))\n")
var connections: UInt64 = 0
while true {
    guard let client = try? Posix.call("accept", { accept(listener, nil, nil) }) else {
        // Out of descriptors, or a connection reset before it was taken: try again shortly.
        MonotonicClock.sleep(nanos: 10 * .millisecond)
        continue
    }
    let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard withAddress(targetPort, { connect(upstream, $0, $1) }) == 0 else {
        close(client)
        close(upstream)
        continue
    }
    noDelay(client)
    noDelay(upstream)
    connections += 1
    let connectionSeed = seed &+ connections
    let settings = impairment
    // Both descriptors close when both directions are done.
    let open = Atomic<Int>(2)
    @Sendable func done() {
        if open.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
            close(client)
            close(upstream)
        }
    }
    spawn { pass(from: client, to: upstream); done() }
    spawn { impair(from: upstream, to: client, settings, seed: connectionSeed); done() }
}
