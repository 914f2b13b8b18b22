import Glibc
import PTTProtocol
import PTTTerminalCore
import Synchronization
import PTTSystem

/// The terminal UI: an ncurses screen that renders ``ScreenModel``s and a key reader that turns
/// keys into ``UIIntent``s.
///
/// ## Threads and ownership
/// - **Starting thread** (whoever calls ``init(options:model:onIntent:)``): checks the terminal,
///   enters curses mode, detects the kitty keyboard protocol, then hands everything below to
///   the terminal thread and returns.
/// - **Terminal thread** (one dedicated pthread, `ptt-terminal`): owns fd 0 (read with
///   `poll`/`read`, never `getch`), ncurses (all drawing), the ``KeyDecoder``, the
///   ``InputMapper`` (hold detector, chat editor) and the last model. It calls `onIntent` and
///   feeds ``intents``; it blocks only in `poll`.
/// - **Any thread**: ``update(_:)`` (stores the model under a mutex held for a copy, then wakes the
///   terminal thread through a pipe), ``stop()``, ``isKittyKeyboard``, ``terminationSignal``.
/// - **Signal handlers**: SIGWINCH and SIGINT/SIGTERM/SIGHUP/SIGQUIT only write one byte to the wake pipe;
///   the terminal thread then resizes, or restores the terminal and reports `.quit`. A second
///   termination signal, and any crash signal (SEGV, BUS, ILL, TRAP, ABRT, FPE), restores the
///   terminal inside the handler (write, tcsetattr: async-signal-safe) and lets the signal act.
///   An `atexit` hook restores it if the process exits with the UI still up.
///
/// ## Restoring the terminal
/// Every exit path pops the kitty keyboard flags (if pushed), resets attributes, shows the
/// cursor, leaves the alternate screen, restores termios and gives fd 2 back: ``stop()``, the
/// `q`/Ctrl+C intent followed by ``stop()``, SIGINT, SIGTERM, SIGHUP, SIGQUIT, end of input, `exit()`,
/// and crashes. While the UI is up, fd 2 points at ``Options/logPath`` (or `/dev/null`), so
/// nothing written to stderr lands on the screen.
///
/// ## Use
/// ```swift
/// let ui = try TerminalUI(options: options, model: firstModel)   // throws TerminalError
/// for await intent in ui.intents {                              // one consumer
///     if intent == .quit { break }
///     session.handle(intent)          // the session changes its state, then:
///     ui.update(session.screenModel)  // from any thread, as often as the state changes
/// }
/// ui.stop()                           // restored when this returns
/// exit(ui.terminationSignal.map { 128 + $0 } ?? 0)
/// ```
/// Only one TerminalUI may be up at a time (the signal handlers are process-wide).
///
/// The UI never exits the process: on a termination signal it restores the terminal, records
/// ``terminationSignal`` and delivers ``UIIntent/quit``; the executable decides what to do.
public final class TerminalUI: Sendable {
    /// How to set the terminal up.
    public struct Options: Sendable {
        /// Kitty keyboard flags pushed when supported: 1 disambiguate + 2 event types (press,
        /// repeat, release) + 8 all keys as escapes + 16 associated text (so shifted and
        /// composed characters type correctly in chat).
        public var kittyFlags: Int = 27
        /// Ask the terminal whether it speaks the kitty protocol at all.
        public var detectKitty: Bool = true
        /// How long to wait for the terminal's answer (the DA1 reply ends the wait earlier).
        public var detectionTimeoutMilliseconds: Int = 500
        /// Colour: nil chooses it when the terminal has colours and `NO_COLOR` is unset.
        public var colour: Bool? = nil
        /// Where stderr goes while the screen is up; nil discards it.
        public var logPath: String? = nil
        /// Autorepeat timing for the hold detector.
        public var holdTiming = HoldDetector.Timing()
        /// How long a lone Esc waits for the rest of a sequence, in nanoseconds.
        public var escapeTimeoutNanoseconds: UInt64 = 50_000_000

        public init() {}
    }

    struct Shared {
        var pendingModel: ScreenModel?
        var stopRequested = false
        var finished = false
        var joined = false
        var terminationSignal: Int32?
        var holdMethod: HoldDetector.Method = .autorepeat
    }

    /// Intents, in key order, from the terminal thread. Finishes when the UI stops.
    public let intents: AsyncStream<UIIntent>
    /// Whether the terminal answered the kitty keyboard protocol query (flags were pushed).
    public let isKittyKeyboard: Bool
    let shared: Mutex<Shared>
    private let wakeFD: Int32
    private let wakeReadFD: Int32
    private let thread: Mutex<pthread_t?>

    /// Takes over the terminal and starts the key reader. Throws ``TerminalError`` when stdin or
    /// stdout is not a terminal or curses cannot start; the terminal is left as it was then.
    /// - Parameters:
    ///   - model: the first screen.
    ///   - onIntent: called on the terminal thread for every intent, before it is put on
    ///     ``intents``; keep it short (it delays drawing). It may call ``update(_:)`` and ``stop()``.
    public init(
        options: Options = Options(), model: ScreenModel = ScreenModel(),
        onIntent: (@Sendable (UIIntent) -> Void)? = nil
    ) throws {
        guard isatty(0) == 1, isatty(1) == 1 else { throw TerminalError.notATerminal }
        var saved = termios()
        guard tcgetattr(0, &saved) == 0 else { throw TerminalError.system(call: "tcgetattr", errno: errno) }
        setlocale(LC_CTYPE, "")

        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw TerminalError.system(call: "pipe", errno: errno) }
        let (wakeRead, wakeWrite) = (fds[0], fds[1])
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }

        // Logs never reach the screen: fd 2 goes to the log file until the UI stops.
        let savedStderr = fcntl(2, F_DUPFD_CLOEXEC, 3)
        let logFD = open(options.logPath ?? "/dev/null", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        if logFD >= 0 {
            dup2(logFD, 2)
            close(logFD)
        }

        TerminalRestore.arm(restoreBytes: Array(Escape.restore.utf8), termios: saved, wakeFD: wakeWrite, savedStderr: savedStderr)
        let screen: CursesScreen
        do {
            screen = try CursesScreen(colour: options.colour)
        } catch {
            TerminalRestore.emergencyRestore()
            TerminalRestore.disarm()
            if savedStderr >= 0 { dup2(savedStderr, 2); close(savedStderr) }
            close(wakeRead)
            close(wakeWrite)
            throw error
        }

        var decoder = KeyDecoder(escapeTimeout: options.escapeTimeoutNanoseconds)
        var mapper = InputMapper(hold: HoldDetector(timing: options.holdTiming))
        var early: [TerminalInput] = []
        var kitty = false
        if options.detectKitty {
            kitty = Self.detectKitty(decoder: &decoder, early: &early, timeoutMs: options.detectionTimeoutMilliseconds)
        }
        if kitty {
            TerminalRestore.state.pointee.kittyPushed = true
            Escape.write("\u{1B}[>\(options.kittyFlags)u")
            mapper.setKittyActive()
        }
        self.isKittyKeyboard = kitty
        self.wakeFD = wakeWrite
        self.wakeReadFD = wakeRead
        var initial = Shared()
        initial.holdMethod = mapper.hold.method
        self.shared = Mutex(initial)
        self.thread = Mutex(nil)
        let (stream, continuation) = AsyncStream<UIIntent>.makeStream()
        self.intents = stream

        let loop = TerminalLoop(
            ui: self, screen: screen, decoder: decoder, mapper: mapper, model: model, pending: early,
            wakeRead: wakeRead, savedStderr: savedStderr, saved: saved,
            kittyPushed: kitty, continuation: continuation, onIntent: onIntent
        )
        let box = Unmanaged.passRetained(loop).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { raw in
            guard let raw else { return nil }
            let loop = Unmanaged<TerminalLoop>.fromOpaque(raw).takeRetainedValue()
            loop.run()
            return nil
        }, box)
        if rc != 0 {
            let loop = Unmanaged<TerminalLoop>.fromOpaque(box).takeRetainedValue()
            loop.restore()
            throw TerminalError.system(call: "pthread_create", errno: rc)
        }
        thread.withLock { $0 = tid }
    }

    deinit {
        close(wakeFD)
        close(wakeReadFD)
    }

    /// Shows a new model. Any thread; cheap (the terminal thread draws it). The terminal keeps
    /// its own chat editor and hold method in what it draws, and follows the model's talk mode
    /// (toggle latches space).
    public func update(_ model: ScreenModel) {
        let wasPending = shared.withLock { s -> Bool in
            defer { s.pendingModel = model }
            return s.pendingModel != nil
        }
        if !wasPending { TerminalRestore.writeByte(wakeFD, WakeByte.model) }
    }

    /// Restores the terminal and stops the key reader; returns when the terminal is restored
    /// (except when called on the terminal thread, from `onIntent`: then it happens as soon as
    /// the callback returns). Idempotent; any thread.
    public func stop() {
        let alreadyFinished = shared.withLock { s -> Bool in
            s.stopRequested = true
            return s.finished
        }
        guard let tid = thread.withLock({ $0 }) else { return }
        if pthread_equal(tid, pthread_self()) != 0 { return }
        if !alreadyFinished { TerminalRestore.writeByte(wakeFD, WakeByte.stop) }
        let join = shared.withLock { s -> Bool in
            defer { s.joined = true }
            return !s.joined
        }
        if join { pthread_join(tid, nil) } else { waitUntilFinished() }
    }

    private func waitUntilFinished() {
        while !shared.withLock({ $0.finished }) { usleep(1000) }
    }

    /// The signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT) that made the UI stop, if one did. SIGHUP also
    /// stands for the end of input (the terminal went away).
    public var terminationSignal: Int32? { shared.withLock { $0.terminationSignal } }

    /// How the talk key's release is known right now (kitty events or autorepeat timing).
    public var holdMethod: HoldDetector.Method { shared.withLock { $0.holdMethod } }

    /// True once the terminal has been restored.
    public var isStopped: Bool { shared.withLock { $0.finished } }

    /// Sends the kitty query and the DA1 query; a kitty reply before the DA1 reply means support.
    /// Keys typed meanwhile are kept in `early`.
    private static func detectKitty(decoder: inout KeyDecoder, early: inout [TerminalInput], timeoutMs: Int) -> Bool {
        Escape.write("\u{1B}[?u\u{1B}[c")
        let start = MonotonicClock.now()
        let limit = UInt64(max(0, timeoutMs)) * 1_000_000
        var supported = false
        var buffer = [UInt8](repeating: 0, count: 256)
        while true {
            let elapsed = MonotonicClock.now() - start
            guard elapsed < limit else { return supported }
            var pfd = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            let remaining = Int32((limit - elapsed) / 1_000_000) + 1
            let polled: Int32?
            do { polled = try Posix.interruptible("poll") { poll(&pfd, 1, remaining) } } catch { return supported }
            guard let r = polled else { continue }
            guard r > 0 else { return supported }
            let n: Int
            do { n = try Posix.call("read") { buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) } } } catch { return supported }
            guard n > 0 else { return supported }
            for item in decoder.feed(buffer[0..<n], now: MonotonicClock.now()) {
                switch item {
                case .kittyFlags: supported = true
                case .deviceAttributes: return supported
                case .key: early.append(item)
                }
            }
        }
    }
}

/// Escape sequences ptt writes around ncurses.
enum Escape {
    /// Pop the kitty keyboard flags ptt pushed (written only when it pushed them).
    static let popKitty = "\u{1B}[<u"
    /// Reset attributes, show the cursor, leave the alternate screen.
    static let restore = "\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l"

    /// Writes straight to fd 1 (after ncurses has flushed).
    static func write(_ s: String) {
        let bytes = Array(s.utf8)
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            TerminalRestore.writeAll(1, base, buffer.count)
        }
    }
}
