import Glibc
import PTTSystem

/// A recognizer command as a `RecognitionEngine`: per spurt, `/bin/sh -c COMMAND` gets the
/// spurt as 16 kHz mono S16LE on its stdin and writes the text on its stdout (whisper.cpp, Vosk
/// or anything else a user prefers). A command that fails, or runs past `timeout`, is killed with
/// its whole process group and reported; it never holds the room up longer than that.
public final class CommandEngine: RecognitionEngine {
    public let name: String
    let command: String
    let timeout: UInt64
    private var audio: [Int16] = []

    /// Two minutes of audio per utterance (the tracker cuts pieces at 30 s).
    static let maxSamples = 16_000 * 120
    /// The most text read back, and the most of its stderr kept for an error message.
    static let maxOutput = 64 * 1024
    static let maxErrorOutput = 4 * 1024

    public init(command: String, timeout: UInt64) {
        self.command = command
        self.timeout = timeout
        name = RecognizerChoice.command(command, timeout: timeout).name
        // A command that exits before reading its input makes our write fail with EPIPE; without
        // this the signal would end the scribe.
        signal(SIGPIPE, SIG_IGN)
    }

    public func begin() throws(RecognizerError) { audio.removeAll(keepingCapacity: true) }

    public func feed(_ samples: [Int16]) throws(RecognizerError) {
        guard audio.count + samples.count <= Self.maxSamples else { return }
        audio += samples
    }

    public func partial() -> String? { nil }

    public func finish() throws(RecognizerError) -> String {
        defer { audio.removeAll(keepingCapacity: true) }
        let input = audio.withUnsafeBytes { Array($0) }
        let output = try Self.run(command, input: input, timeout: timeout)
        let text = String(decoding: output, as: UTF8.self)
        return text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// Runs `command` with `input` on its stdin; its stdout. Throws when it cannot start, exits
    /// with a failure, is killed by a signal or runs past `timeout` nanoseconds (then it is killed).
    static func run(_ command: String, input: [UInt8], timeout: UInt64) throws(RecognizerError) -> [UInt8] {
        let deadline = MonotonicClock.now() &+ timeout
        var pipes: [[Int32]] = []
        for _ in 0..<3 {
            var fds: [Int32] = [-1, -1]
            // Close-on-exec, so that no other child of this process holds our pipes open.
            guard pipe(&fds) == 0, fcntl(fds[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(fds[1], F_SETFD, FD_CLOEXEC) == 0 else {
                if fds[0] >= 0 { close(fds[0]); close(fds[1]) }
                pipes.flatMap { $0 }.forEach { close($0) }
                throw RecognizerError("the recognizer command could not start: pipe: \(String(cString: strerror(errno)))")
            }
            pipes.append(fds)
        }
        let (stdinRead, stdinWrite) = (pipes[0][0], pipes[0][1])
        let (stdoutRead, stdoutWrite) = (pipes[1][0], pipes[1][1])
        let (stderrRead, stderrWrite) = (pipes[2][0], pipes[2][1])

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinRead, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutWrite, 1)
        posix_spawn_file_actions_adddup2(&actions, stderrWrite, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so a timeout kills whatever it started too; signals as default.
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGINT, SIGTERM, SIGQUIT] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var noMask = sigset_t()
        sigemptyset(&noMask)
        posix_spawnattr_setsigmask(&attributes, &noMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = ["/bin/sh", "-c", command].map { (word: String) in strdup(word) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
        close(stdinRead)
        close(stdoutWrite)
        close(stderrWrite)
        guard spawned == 0 else {
            [stdinWrite, stdoutRead, stderrRead].forEach { close($0) }
            throw RecognizerError("the recognizer command could not start: \(String(cString: strerror(spawned)))")
        }
        _ = fcntl(stdinWrite, F_SETFL, fcntl(stdinWrite, F_GETFL) | O_NONBLOCK)

        var writeFD: Int32 = input.isEmpty ? -1 : stdinWrite
        if writeFD < 0 { close(stdinWrite) }
        var readFDs: [Int32] = [stdoutRead, stderrRead]
        var written = 0
        var output: [UInt8] = []
        var errorOutput: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        func closeAll() {
            if writeFD >= 0 { close(writeFD) }
            readFDs.forEach { close($0) }
            writeFD = -1
            readFDs = []
        }
        func killed(_ why: String) -> RecognizerError {
            kill(-pid, SIGKILL)
            closeAll()
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            return RecognizerError(why)
        }
        while writeFD >= 0 || !readFDs.isEmpty {
            let now = MonotonicClock.now()
            guard now < deadline else { throw killed("the recognizer command ran past its \(seconds(timeout)) s and was stopped") }
            var polled = readFDs.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if writeFD >= 0 { polled.append(pollfd(fd: writeFD, events: Int16(POLLOUT), revents: 0)) }
            let wait = Int32(min((deadline - now) / 1_000_000 + 1, 1000))
            let n = poll(&polled, nfds_t(polled.count), wait)
            if n < 0 {
                if errno == EINTR { continue }
                throw killed("the recognizer command could not be watched: poll: \(String(cString: strerror(errno)))")
            }
            for p in polled where p.revents != 0 {
                if p.fd == writeFD {
                    let sent = input.withUnsafeBytes { raw -> Int in
                        guard let base = raw.baseAddress else { return -1 }
                        return Glibc.write(writeFD, base + written, min(65_536, input.count - written))
                    }
                    if sent > 0 { written += sent }
                    // Done, or the command stopped reading (EPIPE): it gets end of file either way.
                    if written == input.count || (sent < 0 && errno != EAGAIN && errno != EINTR) {
                        close(writeFD)
                        writeFD = -1
                    }
                } else {
                    let got = buffer.withUnsafeMutableBytes { raw -> Int in
                        guard let base = raw.baseAddress else { return -1 }
                        return Glibc.read(p.fd, base, raw.count)
                    }
                    if got > 0 {
                        if p.fd == stdoutRead {
                            guard output.count + got <= maxOutput else { throw killed("the recognizer command wrote more than \(maxOutput / 1024) KiB") }
                            output += buffer[0..<got]
                        } else if errorOutput.count < maxErrorOutput {
                            errorOutput += buffer[0..<min(got, maxErrorOutput - errorOutput.count)]
                        }
                    } else if got == 0 || (errno != EAGAIN && errno != EINTR) {
                        close(p.fd)
                        readFDs.removeAll { $0 == p.fd }
                    }
                }
            }
        }
        // Both outputs closed: wait for the exit, still within the deadline.
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0, errno != EINTR { throw RecognizerError("the recognizer command was lost: waitpid: \(String(cString: strerror(errno)))") }
            if MonotonicClock.now() >= deadline { throw killed("the recognizer command ran past its \(seconds(timeout)) s and was stopped") }
            MonotonicClock.sleep(nanos: 2_000_000)
        }
        let said = String(decoding: errorOutput, as: UTF8.self).split(separator: "\n").first.map { ": \($0)" } ?? ""
        if status & 0x7f != 0 { throw RecognizerError("the recognizer command was killed by signal \(status & 0x7f)\(said)") }
        let code = (status >> 8) & 0xff
        if code != 0 { throw RecognizerError("the recognizer command exited with status \(code)\(said)") }
        return output
    }

    static func seconds(_ nanos: UInt64) -> String {
        let s = Double(nanos) / 1e9
        return s == s.rounded() ? String(Int(s)) : String(s)
    }
}
