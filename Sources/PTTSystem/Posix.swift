import Glibc
@_exported import SystemPackage

/// A failed POSIX call: which call, and the system's error.
public struct PosixError: Error, Equatable, Sendable, CustomStringConvertible {
    public var errno: Errno
    /// The call that failed, as people know it (`open`, `write`, `poll`).
    public var call: String

    public init(_ errno: Errno, call: String) {
        self.errno = errno
        self.call = call
    }

    /// The error from the thread's current `errno`.
    public static func current(_ call: String) -> PosixError { PosixError(Errno(rawValue: Glibc.errno), call: call) }

    /// The system's words for the error ("No such file or directory").
    public var reason: String { String(cString: strerror(errno.rawValue)) }
    public var description: String { "\(call): \(reason)" }
}

/// The one funnel for POSIX calls: an interrupted call is made again, a failure becomes a
/// `PosixError` naming the call.
public enum Posix {
    /// Calls `body` (a call that returns -1 and sets errno on failure) until it is not
    /// interrupted; returns its result, or throws what errno said.
    @inline(__always)
    public static func call<T: FixedWidthInteger>(_ name: String, _ body: () -> T) throws(PosixError) -> T {
        while true {
            let result = body()
            if result != -1 { return result }
            let e = Errno(rawValue: Glibc.errno)
            if e == .interrupted { continue }
            throw PosixError(e, call: name)
        }
    }

    /// Calls `body` once; nil when it was interrupted (EINTR), so a caller that must look at
    /// its state again (a poll loop with a deadline) can do so before calling again.
    @inline(__always)
    public static func interruptible<T: FixedWidthInteger>(_ name: String, _ body: () -> T) throws(PosixError) -> T? {
        let result = body()
        if result != -1 { return result }
        let e = Errno(rawValue: Glibc.errno)
        if e == .interrupted { return nil }
        throw PosixError(e, call: name)
    }

    /// Writes all `count` bytes at `bytes` to `fd`, again after an interrupted or partial
    /// write. Allocates nothing (signal handlers use it); returns the error, or nil when all
    /// was written. A write that makes no progress counts as `EIO`.
    @discardableResult
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Errno? {
        var done = 0
        while done < count {
            let n = Glibc.write(fd, bytes + done, count - done)
            if n < 0 {
                let e = Errno(rawValue: Glibc.errno)
                if e == .interrupted { continue }
                return e
            }
            if n == 0 { return .ioError }
            done += n
        }
        return nil
    }

    /// Writes all of `bytes` to `fd`.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(PosixError) {
        let failure = bytes.withUnsafeBytes { buffer -> Errno? in
            guard let base = buffer.baseAddress else { return nil }
            return writeAll(fd, base, buffer.count)
        }
        if let failure { throw PosixError(failure, call: "write") }
    }

    /// Writes all of `text`'s UTF-8 to `fd`.
    public static func writeAll(_ fd: Int32, _ text: String) throws(PosixError) {
        try writeAll(fd, Array(text.utf8))
    }

    /// Reads the whole file at `path`, at most `limit` bytes.
    /// Throws `.fileTooLarge` (EFBIG) past the limit; a directory fails with EISDIR.
    public static func readFile(_ path: String, limit: Int) throws(PosixError) -> [UInt8] {
        let fd = try call("open") { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try call("read") { chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
            if n == 0 { return out }
            out += chunk[0..<n]
            guard out.count <= limit else { throw PosixError(.fileTooLarge, call: "read") }
        }
    }

    /// `mkdir -p`: every missing directory of `path`, made with `mode`.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(PosixError) {
        var built = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            built += "/" + part
            if mkdir(built, mode) != 0, errno != EEXIST { throw PosixError.current("mkdir") }
        }
    }

    /// Replaces the file at `path` with `bytes` whole: written to a temporary file beside it,
    /// flushed, then renamed over it, so a crash or a full disk leaves the old file, never half
    /// of the new one. The file gets `mode`.
    public static func replaceFile(_ path: String, with bytes: [UInt8], mode: mode_t = 0o644) throws(PosixError) {
        let temporary = path + ".tmp\(getpid())"
        let fd = try call("open") { open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode) }
        do {
            try writeAll(fd, bytes)
            _ = try call("fsync") { fsync(fd) }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        do {
            _ = try call("rename") { rename(temporary, path) }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// How many CPUs this process may run on: its affinity mask (`taskset`, systemd's
    /// `CPUAffinity=`), as /proc/self/status lists it (`Cpus_allowed_list:`), or nil when it
    /// cannot be read. SwiftNIO's `System.coreCount` reads cgroup limits but not the mask, so a
    /// relay pinned to one CPU would otherwise run an event loop per CPU of the machine on it.
    public static func usableCPUCount() -> Int? {
        guard let bytes = try? readFile("/proc/self/status", limit: 1 << 16) else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix("Cpus_allowed_list:") {
            return cpuCount(list: line.dropFirst("Cpus_allowed_list:".count))
        }
        return nil
    }

    /// The number of CPUs in a Linux CPU list ("0-3,8,10-11"), or nil when it is not one.
    public static func cpuCount(list: Substring) -> Int? {
        var n = 0
        for part in list.split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.filter { $0 != " " && $0 != "\t" }) }
            switch bounds.count {
            case 1: guard bounds[0] != nil else { return nil }; n += 1
            case 2:
                guard let a = bounds[0], let b = bounds[1], a <= b else { return nil }
                n += b - a + 1
            default: return nil
            }
        }
        return n > 0 ? n : nil
    }
}
