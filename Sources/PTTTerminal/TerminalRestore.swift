import Glibc
import PTTSystem

/// What a signal handler needs to put the terminal back, prepared before any handler runs.
///
/// Ownership: written only by ``TerminalRestore/arm(...)`` and ``TerminalRestore/disarm()`` (on the
/// thread that starts or stops the UI), read by signal handlers and the `atexit` hook. It lives
/// behind a pointer allocated once, so handlers never touch a Swift global that exclusivity
/// checking or lazy initialisation could trip over.
struct RestoreState {
    /// True while the terminal is in ptt's modes and must be restored.
    var armed: Bool = false
    /// Bytes that undo ptt's modes: kitty flags popped, attributes reset, cursor shown,
    /// alternate screen left.
    var bytes: UnsafeMutablePointer<UInt8>? = nil
    var count: Int = 0
    var termios = Glibc.termios()
    var ttyIn: Int32 = 0
    var ttyOut: Int32 = 1
    /// The terminal thread's wake pipe (write end), or -1.
    var wakeFD: Int32 = -1
    /// A duplicate of the original stderr while fd 2 points at the log file, or -1.
    var savedStderr: Int32 = -1
    /// Whether ptt pushed kitty keyboard flags, which must be popped first (the alternate screen
    /// has its own flag stack).
    var kittyPushed: Bool = false
    /// How many termination signals (INT, TERM, HUP) arrived while armed.
    var terminations: Int32 = 0
}

/// Wake-pipe bytes: a termination signal is sent as its number; these are the others.
enum WakeByte {
    static let resize: UInt8 = 0xF0
    static let model: UInt8 = 0xF1
    static let stop: UInt8 = 0xF2
}

/// Restores the terminal from places where nothing else can run: signal handlers and `atexit`.
/// Everything here is async-signal-safe (write, tcsetattr, dup2, sigaction, raise).
enum TerminalRestore {
    nonisolated(unsafe) static let state: UnsafeMutablePointer<RestoreState> = {
        let p = UnsafeMutablePointer<RestoreState>.allocate(capacity: 1)
        p.initialize(to: RestoreState())
        return p
    }()
    /// The actions that were installed before ours, by signal number.
    nonisolated(unsafe) static let previous: UnsafeMutablePointer<sigaction> = {
        let p = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)
        p.initialize(repeating: sigaction(), count: 65)
        return p
    }()
    /// Termination signals: restore, then tell the terminal thread (a second one is fatal).
    static let terminationSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]
    /// Crashes: restore, then let the previous handler (Swift's backtracer) or the default act.
    static let crashSignals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE]
    nonisolated(unsafe) private static var atexitInstalled = false

    /// Prepares the restore bytes and installs the handlers. Called once per UI start, before
    /// ptt changes any terminal mode it cannot undo.
    static func arm(restoreBytes: [UInt8], termios: Glibc.termios, wakeFD: Int32, savedStderr: Int32) {
        let s = state
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, restoreBytes.count))
        buffer.initialize(from: restoreBytes, count: restoreBytes.count)
        s.pointee.bytes = buffer
        s.pointee.count = restoreBytes.count
        s.pointee.termios = termios
        s.pointee.wakeFD = wakeFD
        s.pointee.savedStderr = savedStderr
        s.pointee.terminations = 0
        s.pointee.kittyPushed = false
        _ = popBytes
        s.pointee.armed = true
        if !atexitInstalled {
            atexitInstalled = true
            atexit { TerminalRestore.emergencyRestore() }
        }
        for sig in terminationSignals + crashSignals + [SIGWINCH] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = handler
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(sig, &action, previous + Int(sig))
        }
    }

    /// Puts the previous signal actions back; the terminal is restored by then.
    static func disarm() {
        for sig in terminationSignals + crashSignals + [SIGWINCH] {
            sigaction(sig, previous + Int(sig), nil)
        }
        let s = state
        s.pointee.armed = false
        s.pointee.wakeFD = -1
        s.pointee.savedStderr = -1
    }

    /// Writes the restore bytes, restores termios and stderr. Safe in a signal handler; does
    /// nothing once the terminal is restored.
    static func emergencyRestore() {
        let s = state
        guard s.pointee.armed else { return }
        s.pointee.armed = false
        if s.pointee.kittyPushed {
            s.pointee.kittyPushed = false
            writeAll(s.pointee.ttyOut, popBytes, 4)
        }
        if let bytes = s.pointee.bytes { writeAll(s.pointee.ttyOut, bytes, s.pointee.count) }
        _ = withUnsafePointer(to: &s.pointee.termios) { tcsetattr(s.pointee.ttyIn, TCSANOW, $0) }
        if s.pointee.savedStderr >= 0 { dup2(s.pointee.savedStderr, 2) }
    }

    private static let handler: @convention(c) (Int32) -> Void = { sig in
        let s = TerminalRestore.state
        if sig == SIGWINCH {
            TerminalRestore.wake(WakeByte.resize)
            return
        }
        if sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT {
            s.pointee.terminations += 1
            if s.pointee.terminations == 1, s.pointee.wakeFD >= 0, s.pointee.armed {
                TerminalRestore.wake(UInt8(truncatingIfNeeded: sig))
                return
            }
            // A second signal (or no terminal thread to tell): restore and die of it (SIGQUIT
            // through the action before ours, the runtime's backtracer).
            TerminalRestore.emergencyRestore()
            if sig == SIGQUIT { sigaction(sig, TerminalRestore.previous + Int(sig), nil) } else { signal(sig, SIG_DFL) }
            raise(sig)
            return
        }
        // A crash: restore, reinstate the previous action, and deliver the signal to it.
        TerminalRestore.emergencyRestore()
        sigaction(sig, TerminalRestore.previous + Int(sig), nil)
        raise(sig)
    }

    /// `ESC [ < u`: pop the kitty keyboard flags.
    nonisolated(unsafe) static let popBytes: UnsafeMutablePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 4)
        p.initialize(from: [0x1B, 0x5B, 0x3C, 0x75], count: 4)
        return p
    }()

    static func writeAll(_ fd: Int32, _ bytes: UnsafePointer<UInt8>, _ count: Int) {
        Posix.writeAll(fd, bytes, count)
    }

    static func wake(_ byte: UInt8) {
        writeByte(state.pointee.wakeFD, byte)
    }

    /// One byte to a wake pipe; a full pipe already has a wake-up pending, so EAGAIN is fine.
    static func writeByte(_ fd: Int32, _ byte: UInt8) {
        guard fd >= 0 else { return }
        var b = byte
        _ = write(fd, &b, 1)
    }
}
