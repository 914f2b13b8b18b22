import Glibc
import PTTSystem

/// Whole-line writes to the standard streams without touching C's `stdout`/`stderr`
/// globals (which Swift 6 refuses as shared mutable state).
enum Console {
    static func write(_ text: String, fd: Int32) {
        // A console that cannot be written to has nobody to tell.
        try? Posix.writeAll(fd, text)
    }

    /// `ptt: message` on stderr.
    static func error(_ message: String) { write("ptt: \(message)\n", fd: 2) }
}
