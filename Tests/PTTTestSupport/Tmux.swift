import Foundation
import Glibc

/// A private tmux server (`tmux -L ptt-test-<random>`) running one shell in an 80×24 window,
/// for driving ptt-tui-demo like a user would. Kill it with ``kill()`` (tests do so in `defer`).
public final class Tmux {
    public let socket = "ptt-test-\(UInt32.random(in: 0...UInt32.max))"
    public let scratch: String
    /// The server's socket file, removed by ``kill()`` (tmux 3.3a leaves it behind).
    public private(set) var socketPath = ""

    public init(width: Int = 80, height: Int = 24) throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent(socket).path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        try run([
            "new-session", "-d", "-x", "\(width)", "-y", "\(height)",
            // A shell of known behaviour whatever the user's setup: English messages, no inputrc,
            // no prompt command, no ptt configuration.
            "env", "-i", "PATH=\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")", "HOME=\(scratch)",
            "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "INPUTRC=/dev/null", "PS1=$ ", "TERM=screen", "SWIFT_BACKTRACE=enable=no",
            "bash", "--norc", "--noprofile",
        ])
        socketPath = try run(["display-message", "-p", "#{socket_path}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        _ = waitFor("a shell prompt") { $0.contains("$") }
    }

    /// The demo binary, next to the test bundle in the build directory.
    public static var demoPath: String? {
        if let env = ProcessInfo.processInfo.environment["PTT_TUI_DEMO"] { return env }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("ptt-tui-demo").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    public static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/tmux")
    }

    @discardableResult
    public func run(_ args: [String]) throws -> String {
        // Output goes through a file, not a pipe: a server tmux starts would inherit a pipe and
        // hold it open, so reading to its end would never return.
        let outPath = scratch + "/out-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(outPath) }
        let pid = try Self.spawn(["tmux", "-L", socket, "-f", "/dev/null"] + args, stdin: "/dev/null", stdout: outPath)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    }

    /// Starts a program found on PATH with stdin and stdout redirected (a path, or a descriptor
    /// to dup), stderr discarded. posix_spawn and waitpid: Foundation's Process can hang in
    /// waitUntilExit here.
    public static func spawn(_ argv: [String], stdin: String? = nil, stdinFD: Int32? = nil, stdout: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdinFD {
            posix_spawn_file_actions_adddup2(&actions, stdinFD, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, stdin ?? "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // The test runner's threads block signals; without this tmux, the shell and the demo
        // would inherit that mask and never see SIGTERM, SIGHUP or SIGWINCH.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let cArgs = argv.map { strdup($0) } + [nil]
        let env = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArgs.forEach { free($0) }
            env.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], &actions, &attr, cArgs, env)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EINVAL) }
        return pid
    }

    /// Types text literally, then optionally presses Enter.
    public func type(_ text: String, enter: Bool = true) throws {
        try run(["send-keys", "-l", text])
        if enter { try run(["send-keys", "Enter"]) }
    }

    public func keys(_ keys: String...) throws { try run(["send-keys"] + keys) }

    /// Sends raw bytes (hex), e.g. a kitty release `1b 5b 33 32 3b 31 3a 33 75`.
    public func bytes(_ hex: [String]) throws { try run(["send-keys", "-H"] + hex) }

    /// The visible screen, one string per row.
    public func capture() -> [String] {
        let text = (try? run(["capture-pane", "-p"])) ?? ""
        var rows = text.components(separatedBy: "\n")
        if rows.last == "" { rows.removeLast() }
        return rows
    }

    /// Polls the screen every 50 ms, up to `timeout` seconds, until `predicate` holds; returns
    /// the screen that satisfied it, or nil (and the last screen is in `lastScreen`).
    public private(set) var lastScreen: [String] = []
    public func waitFor(_ what: String, timeout: Double = 5, _ predicate: ([String]) -> Bool) -> [String]? {
        let end = Date().addingTimeInterval(timeout)
        repeat {
            lastScreen = capture()
            if predicate(lastScreen) { return lastScreen }
            usleep(50_000)
        } while Date() < end
        return nil
    }

    /// Imitates a held key: `send-keys Space` every `interval` seconds for `duration` seconds,
    /// through one control-mode client (no process per key), calling `during` between keys.
    /// `last` runs right after one more Space at the end, while the key still counts as held.
    public func holdSpace(for duration: Double, interval: Double = 0.035, during: () -> Void = {},
                          last: () throws -> Void = {}) throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw POSIXError(.EMFILE) }
        // Neither end may leak into tmux (its own copy of the write end would hide the EOF).
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let pid = try Self.spawn(["tmux", "-L", socket, "-f", "/dev/null", "-C", "attach"], stdinFD: fds[0], stdout: "/dev/null")
        close(fds[0])
        defer {
            close(fds[1])
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        }
        let command = Array("send-keys Space\n".utf8)
        let end = Date().addingTimeInterval(duration)
        var sent = 0
        while Date() < end {
            _ = command.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
            sent += 1
            if sent % 8 == 0 { during() }
            usleep(UInt32(interval * 1_000_000))
        }
        _ = command.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        try last()
    }

    public func kill() {
        _ = try? run(["kill-server"])
        if socketPath.contains("ptt-test-") { unlink(socketPath) }
        try? FileManager.default.removeItem(atPath: scratch)
    }
}
