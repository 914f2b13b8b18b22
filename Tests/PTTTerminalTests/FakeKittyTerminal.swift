import Foundation
import Glibc

/// A pseudo-terminal the test plays the terminal for: it sees every byte ptt-tui-demo writes and
/// answers the kitty keyboard query as a kitty-capable terminal would (tmux cannot: 3.3a does
/// not speak the protocol). Used to check that flags are pushed, keys arrive as CSI u, and
/// flags are popped before the alternate screen is left.
final class FakeKittyTerminal {
    let master: Int32
    let pid: pid_t
    private(set) var output: [UInt8] = []

    init(demo: String, args: [String] = []) throws {
        // posix_openpt, unlockpt and ptsname need _XOPEN_SOURCE, which Swift's Glibc lacks:
        // their Linux equivalents are /dev/ptmx and two ioctls.
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard master >= 0, ioctl(master, Self.setLock, &unlock) == 0, ioctl(master, Self.getNumber, &number) == 0 else {
            throw POSIXError(.ENOTTY)
        }
        let slavePath = "/dev/pts/\(number)"
        var size = winsize(ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // A new session: the first terminal it opens becomes its controlling terminal.
        posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | Self.spawnSetsid))
        let argv = ([demo] + args).map { strdup($0) } + [nil]
        let env = ([String])(["TERM=xterm-256color", "LANG=C.UTF-8", "SWIFT_BACKTRACE=enable=no"]).map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            env.forEach { free($0) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, demo, &actions, &attr, argv, env)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EINVAL) }
        pid = child
    }

    /// TIOCSPTLCK and TIOCGPTN (function-like macros in <asm/ioctls.h>), for x86_64 and arm64.
    static let setLock: UInt = 0x4004_5431
    static let getNumber: UInt = 0x8004_5430
    /// glibc's POSIX_SPAWN_SETSID (hidden behind _GNU_SOURCE).
    static let spawnSetsid: Int32 = 0x80

    deinit {
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, WNOHANG)
        close(master)
    }

    /// Reads what the program wrote, up to `timeout` seconds or until `until` holds.
    @discardableResult
    func read(timeout: Double = 5, until: ([UInt8]) -> Bool) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !until(output) {
            let left = end.timeIntervalSinceNow
            guard left > 0 else { return false }
            var pfd = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, Int32(left * 1000) + 1) > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { Glibc.read(master, $0.baseAddress, $0.count) }
            if n <= 0 { return until(output) } // EIO: the program closed the terminal
            output += buffer[0..<n]
        }
        return true
    }

    func contains(_ s: String) -> Bool { Self.find(Array(s.utf8), in: output) != nil }
    func offset(of s: String) -> Int? { Self.find(Array(s.utf8), in: output) }
    func clearOutput() { output.removeAll() }

    func send(_ s: String) {
        let bytes = Array(s.utf8)
        _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
    }

    /// Waits for the program to exit; its status as a shell would show it (128 + signal).
    func waitForExit(timeout: Double = 5) -> Int32? {
        let end = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while Date() < end {
            read(timeout: 0.05) { _ in false } // keep draining so the program never blocks
            if waitpid(pid, &status, WNOHANG) == pid {
                let signal = status & 0x7F
                return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
            }
        }
        return nil
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}
