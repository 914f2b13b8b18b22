import Glibc
import PTTSystem

/// `q` from a terminal, for commands that print a status line rather than draw a screen
/// (`ptt echo`): standard input is put in non-canonical mode without echo so a single key is
/// read at once, and put back on every way out (a normal stop, `atexit`, INT, TERM, HUP, QUIT).
/// When standard input is not a terminal, a line holding `q` does the same.
enum QuitKey {
    /// The terminal's settings before ours, for the restorers (no Swift global may be touched
    /// from a signal handler).
    nonisolated(unsafe) static let saved: UnsafeMutablePointer<termios> = .allocate(capacity: 1)
    nonisolated(unsafe) static let armed: UnsafeMutablePointer<Int32> = {
        let p = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        p.initialize(to: 0)
        return p
    }()

    /// Starts watching standard input. Call `restore()` when done.
    static func start() {
        guard isatty(0) == 1, tcgetattr(0, saved) == 0 else { return }
        var raw = saved.pointee
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        armed.pointee = 1
        atexit { QuitKey.restoreNow() }
        for sig in [SIGTERM, SIGHUP, SIGQUIT] {
            signal(sig) { sig in
                QuitKey.restoreNow()
                signal(sig, SIG_DFL)
                raise(sig)
            }
        }
        _ = tcsetattr(0, TCSANOW, &raw)
    }

    /// Whether `q`, `Q` or Esc arrived since the last call (never blocks).
    static func pressed() -> Bool {
        var pending = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        guard poll(&pending, 1, 0) == 1 else { return false }
        var bytes = [UInt8](repeating: 0, count: 64)
        let n = bytes.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        guard n > 0 else { return false }
        return bytes[0..<n].contains { $0 == UInt8(ascii: "q") || $0 == UInt8(ascii: "Q") || $0 == 0x1B }
    }

    /// Puts the terminal back (async-signal-safe: tcsetattr only).
    static func restoreNow() {
        guard armed.pointee == 1 else { return }
        armed.pointee = 0
        _ = tcsetattr(0, TCSANOW, saved)
    }

    static func restore() { restoreNow() }
}
