import Glibc

/// Whole-line writes to the standard streams without touching C's `stdout`/`stderr`
/// globals (which Swift 6 refuses as shared mutable state).
enum Console {
    static func write(_ text: String, fd: Int32) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return }
            offset += n
        }
    }

    /// `ptt: message` on stderr.
    static func error(_ message: String) { write("ptt: \(message)\n", fd: 2) }
}
