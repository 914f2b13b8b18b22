import Glibc
import PTTTerminalCore
import PTTSystem

/// The terminal thread's state and loop. Everything here is owned by the terminal thread once
/// ``run()`` starts; other threads reach it only through ``TerminalUI/shared`` and the wake pipe.
final class TerminalLoop {
    /// Strong: the UI (and its wake pipe) lives at least as long as the loop.
    private let ui: TerminalUI
    private let screen: CursesScreen
    private var decoder: KeyDecoder
    private var mapper: InputMapper
    private var model: ScreenModel
    private var pending: [TerminalInput]
    private let wakeRead: Int32
    private let savedStderr: Int32
    private var saved: termios
    private var kittyPushed: Bool
    private let continuation: AsyncStream<UIIntent>.Continuation
    private let onIntent: (@Sendable (UIIntent) -> Void)?
    private var dirty = true
    private var restored = false

    init(
        ui: TerminalUI, screen: CursesScreen, decoder: KeyDecoder, mapper: InputMapper, model: ScreenModel,
        pending: [TerminalInput], wakeRead: Int32, savedStderr: Int32, saved: termios,
        kittyPushed: Bool, continuation: AsyncStream<UIIntent>.Continuation,
        onIntent: (@Sendable (UIIntent) -> Void)?
    ) {
        self.ui = ui
        self.screen = screen
        self.decoder = decoder
        self.mapper = mapper
        self.mapper.boxOpen = model.helpVisible
        self.model = model
        self.pending = pending
        self.wakeRead = wakeRead
        self.savedStderr = savedStderr
        self.saved = saved
        self.kittyPushed = kittyPushed
        self.continuation = continuation
        self.onIntent = onIntent
    }

    func run() {
        deliver(mapper.setTalkMode(model.talkMode))
        let early = pending
        pending = []
        for item in early { deliver(mapper.handle(item, now: MonotonicClock.now())) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !ui.shared.withLock({ $0.stopRequested }) {
            if dirty { draw() }
            var fds = [
                pollfd(fd: 0, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
            ]
            let polled: Int32?
            do { polled = try Posix.interruptible("poll") { poll(&fds, 2, timeoutMilliseconds()) } } catch {
                terminate(signal: SIGHUP)
                break
            }
            guard polled != nil else { continue }
            let now = MonotonicClock.now()
            if fds[1].revents != 0, !drainWakePipe() { break }
            if fds[0].revents & Int16(POLLIN) != 0 {
                // nil: interrupted, or nothing there after all (EAGAIN); the loop polls again.
                let got: Int?
                do throws(PosixError) {
                    got = try Posix.interruptible("read") { buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) } }
                } catch where error.errno == .resourceTemporarilyUnavailable {
                    got = nil
                } catch {
                    got = 0
                }
                if got == 0 {
                    terminate(signal: SIGHUP) // the terminal went away
                    break
                }
                if let n = got, n > 0 {
                    for item in decoder.feed(buffer[0..<n], now: now) {
                        deliver(mapper.handle(item, now: now))
                    }
                    dirty = true
                }
            } else if fds[0].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 {
                terminate(signal: SIGHUP)
                break
            }
            for item in decoder.expire(now: now) {
                deliver(mapper.handle(item, now: now))
                dirty = true
            }
            let released = mapper.expire(now: now)
            if !released.isEmpty {
                deliver(released)
                dirty = true
            }
        }
        restore()
        continuation.finish()
    }

    /// Until the next timeout of the decoder (lone Esc) or the hold detector, or forever.
    private func timeoutMilliseconds() -> Int32 {
        let deadlines = [decoder.deadline, mapper.deadline].compactMap { $0 }
        guard let next = deadlines.min() else { return -1 }
        let now = MonotonicClock.now()
        guard next > now else { return 0 }
        return Int32(min((next - now + 999_999) / 1_000_000, 60_000))
    }

    /// Handles wake-ups; false when the loop must end (a termination signal).
    private func drainWakePipe() -> Bool {
        var bytes = [UInt8](repeating: 0, count: 64)
        while true {
            let n = bytes.withUnsafeMutableBytes { read(wakeRead, $0.baseAddress, $0.count) }
            guard n > 0 else { return true }
            for b in bytes[0..<n] {
                switch b {
                case WakeByte.resize:
                    screen.resize()
                    dirty = true
                case WakeByte.model:
                    if let next = ui.shared.withLock({ s -> ScreenModel? in
                        defer { s.pendingModel = nil }
                        return s.pendingModel
                    }) {
                        model = next
                        mapper.boxOpen = next.helpVisible
                        deliver(mapper.setTalkMode(model.talkMode))
                        dirty = true
                    }
                case WakeByte.stop:
                    break
                default:
                    terminate(signal: Int32(b))
                    return false
                }
            }
        }
    }

    /// A termination signal or the end of input: restore now, then report `quit`.
    private func terminate(signal: Int32) {
        ui.shared.withLock { s in
            if s.terminationSignal == nil { s.terminationSignal = signal }
            s.stopRequested = true
        }
        restore()
        deliver([.quit])
    }

    private func deliver(_ intents: [UIIntent]) {
        guard !intents.isEmpty else { return }
        let method = mapper.hold.method
        ui.shared.withLock { $0.holdMethod = method }
        for intent in intents {
            onIntent?(intent)
            continuation.yield(intent)
        }
        dirty = true
    }

    private func draw() {
        dirty = false
        guard !restored else { return }
        var shown = model
        shown.editor = mapper.editor
        shown.holdMethod = mapper.hold.method
        let (width, height) = screen.size
        screen.draw(ScreenLayout.render(shown, width: width, height: height))
    }

    /// Puts the terminal back: kitty flags popped, curses ended (cursor shown, alternate screen
    /// left), termios and stderr restored, signal handlers removed. Runs once.
    func restore() {
        guard !restored else { return }
        restored = true
        if kittyPushed {
            Escape.write(Escape.popKitty)
            kittyPushed = false
        }
        TerminalRestore.state.pointee.kittyPushed = false
        screen.close()
        Escape.write(Escape.restore)
        tcsetattr(0, TCSANOW, &saved)
        TerminalRestore.state.pointee.armed = false
        TerminalRestore.disarm()
        if savedStderr >= 0 {
            dup2(savedStderr, 2)
            close(savedStderr)
        }
        // The wake pipe stays open until the TerminalUI goes away: update() may still write to it.
        ui.shared.withLock { $0.finished = true }
    }
}
