import Glibc
import Logging
import PTTSystem

/// Where `ptt join` logs: a file given with `--log-file`, or nowhere. Never the screen.
enum LogFile {
    /// A logger writing to `path` (appending), or one that discards everything.
    static func logger(label: String, path: String?, level: String = "info") throws -> Logger {
        guard let path else { return Logger(label: label) { _ in SwiftLogNoOpLogHandler() } }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw LogFileError(path: path, reason: String(cString: strerror(errno)))
        }
        let lvl = Logger.Level(rawValue: level) ?? .info
        return Logger(label: label) { _ in LineLogHandler(level: lvl, fd: fd) }
    }
}

struct LogFileError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { "cannot open log file '\(path)': \(reason)" }
}

/// This machine's addresses others on the network can reach, for the `--host` URL.
enum LANAddress {
    static func ipv4() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var out: [String] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let addr = entry.pointee.ifa_addr, addr.pointee.sa_family == sa_family_t(AF_INET),
                  entry.pointee.ifa_flags & UInt32(IFF_LOOPBACK) == 0, entry.pointee.ifa_flags & UInt32(IFF_UP) != 0 else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(addr, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 {
                out.append(String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
        }
        return out
    }
}
