/// Why the terminal UI could not start.
public enum TerminalError: Error, Equatable, Sendable, CustomStringConvertible {
    /// stdin or stdout is not a terminal (use `--json` for scripts).
    case notATerminal
    /// ncurses could not set up the terminal (unknown `TERM`, say).
    case cursesFailed(term: String)
    /// A system call failed while setting up.
    case system(call: String, errno: Int32)

    public var description: String {
        switch self {
        case .notATerminal: return "stdin and stdout must be a terminal"
        case .cursesFailed(let term): return "cannot use the terminal (TERM=\(term))"
        case .system(let call, let errno): return "\(call) failed (errno \(errno))"
        }
    }
}
