import Foundation
import Glibc
import PTTTestSupport

/// A private PulseAudio server for real-time audio tests: a stereo null sink `both` whose left
/// channel is remapped into a microphone `mic` and whose right channel is fed by a speaker
/// `spk`, so one recording of `both.monitor` holds what went into the microphone and what came
/// out of the speaker on one clock. ALSA reaches them as `pa_mic` and `pa_spk` through the
/// `pulse` plugin; like hardware they block at the sample rate (the `file` plugin never does).
/// A second null sink `room` is a laptop without headphones: what is played into `pa_room_spk`
/// comes back in `pa_room_mic` (its monitor) as loud as it was played, as late as the buffers
/// make it.
/// As root the server runs as `nobody` (PulseAudio refuses root).
final class PrivatePulseAudio: @unchecked Sendable {
    let directory: TemporaryDirectory
    let server: Spawned
    /// Environment for clients: the server, and the ALSA devices.
    let environment: [String: String]

    init() async throws {
        directory = try TemporaryDirectory()
        let runtime = directory.path("pa")
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true)
        chmod(directory.url.path, 0o755)
        let socket = runtime + "/native"
        let root = getuid() == 0
        if root {
            guard let nobody = getpwnam("nobody") else { throw TestFailure("no user nobody") }
            chown(runtime, nobody.pointee.pw_uid, nobody.pointee.pw_gid)
        }
        chmod(runtime, 0o700)
        let arguments = ["--daemonize=no", "--exit-idle-time=-1", "-n", "--use-pid-file=no", "--disable-shm=yes",
                         "--load=module-native-protocol-unix auth-anonymous=1 socket=\(socket)",
                         "--load=module-null-sink sink_name=both channels=2 rate=48000",
                         "--load=module-remap-source source_name=mic master=both.monitor channels=1 master_channel_map=front-left channel_map=mono",
                         "--load=module-remap-sink sink_name=spk master=both channels=1 master_channel_map=front-right channel_map=mono",
                         "--load=module-null-sink sink_name=room channels=1 rate=48000"]
        let serverEnvironment = ["XDG_RUNTIME_DIR": runtime, "HOME": runtime]
        // As root, setpriv execs the server itself as nobody, so this child is the server.
        server = root
            ? try Spawned("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "/usr/bin/pulseaudio"] + arguments,
                          environment: serverEnvironment)
            : try Spawned("/usr/bin/pulseaudio", arguments, environment: serverEnvironment)
        let conf = directory.path("alsa.conf")
        try """
        pcm.pa_mic { type pulse device "mic" server "unix:\(socket)" }
        pcm.pa_spk { type pulse device "spk" server "unix:\(socket)" }
        pcm.pa_room_mic { type pulse device "room.monitor" server "unix:\(socket)" }
        pcm.pa_room_spk { type pulse device "room" server "unix:\(socket)" }
        """.write(toFile: conf, atomically: true, encoding: .utf8)
        environment = ["PULSE_SERVER": "unix:\(socket)", "ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:\(conf)"]
        let env = environment
        let up = await eventually(timeout: .seconds(15), every: .milliseconds(100)) {
            (try? await Self.run("/usr/bin/pactl", ["info"], environment: env)) == 0
        }
        guard up else {
            server.kill()
            throw TestFailure("PulseAudio did not start")
        }
    }

    /// Runs a tool to its end (at most 5 s); its exit status.
    @discardableResult
    static func run(_ path: String, _ arguments: [String], environment: [String: String]) async throws -> Int32 {
        let p = try Spawned(path, arguments, environment: environment)
        return await p.finish(within: .seconds(5))
    }

    /// Starts a PulseAudio tool (`paplay`, `parec`) with this server; stdout to `output` if given.
    func start(_ tool: String, _ arguments: [String], output: String? = nil) throws -> Spawned {
        try Spawned("/usr/bin/" + tool, arguments, environment: environment, output: output)
    }

    deinit { server.kill() }
}

/// A child process started with posix_spawn and reaped with waitpid, stdin from /dev/null and
/// stderr to /dev/null, stdout to a file or /dev/null. Not Foundation's `Process` (as
/// `ChildProcess` is, for programs whose output the tests read): started from these async tests,
/// short-lived tools such as `pactl` stayed unreaped zombies with `isRunning` true, and the
/// wait for them never ended.
final class Spawned: @unchecked Sendable {
    let pid: pid_t
    private var status: Int32?

    init(_ path: String, _ arguments: [String], environment: [String: String], output: String? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let env = environment.merging(["PATH": "/usr/bin:/bin"]) { a, _ in a }.map { "\($0.key)=\($0.value)" }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child = pid_t()
        let rc = posix_spawn(&child, path, &actions, nil, argv, envp)
        guard rc == 0 else { throw TestFailure("cannot start \(path): \(String(cString: strerror(rc)))") }
        pid = child
    }

    var isRunning: Bool {
        if status != nil { return false }
        var s: Int32 = 0
        if waitpid(pid, &s, WNOHANG) == pid { status = s; return false }
        return true
    }

    /// Asks it to stop (SIGTERM); `finish(within:)` waits for it.
    func terminate() { if isRunning { Glibc.kill(pid, SIGTERM) } }

    /// Kills it at once and reaps it.
    func kill() {
        guard isRunning else { return }
        Glibc.kill(pid, SIGKILL)
        var s: Int32 = 0
        waitpid(pid, &s, 0)
        status = s
    }

    /// Waits for it to exit, ending it after `timeout`; its exit status (-1 if killed).
    @discardableResult
    func finish(within timeout: Duration) async -> Int32 {
        _ = await eventually(timeout: timeout, every: .milliseconds(10)) { !isRunning }
        if isRunning {
            Glibc.kill(pid, SIGTERM)
            _ = await eventually(timeout: .seconds(2), every: .milliseconds(10)) { !isRunning }
            kill()
        }
        guard let s = status else { return -1 }
        return (s & 0x7F) == 0 ? (s >> 8) & 0xFF : -1
    }

    deinit { kill() }
}
