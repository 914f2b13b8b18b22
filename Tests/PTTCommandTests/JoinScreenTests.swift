import Foundation
import PTTTestSupport
import Testing

/// `ptt join` with its screen, in tmux: a relay and two clients on file-plugin devices.
@Suite(.serialized) struct JoinScreenTests {
    @Test(.enabled(if: Tmux.available)) func holdSpaceChatAndQuit() async throws {
        let tmp = try TemporaryDirectory()
        // Speech for longer than the test runs: whenever the hold comes, alice sends speech.
        try TestSignal.write(TestSignal.speechLike(seconds: 30, pad: 0), to: tmp.path("in.raw"))
        let (relay, port) = try await startRelay()
        defer { relay.stop() }
        let ptt = ChildProcess.binDirectory.appendingPathComponent("ptt").path
        let alsa = testALSAEnvironment["ALSA_CONFIG_PATH"] ?? ""
        func start(_ tmux: Tmux, _ name: String, _ device: String) throws {
            try tmux.type("env ALSA_CONFIG_PATH=\(alsa) \(device) \(ptt) join standup \(name) --relay ws://127.0.0.1:\(port) --log-file \(tmp.path(name + ".log")); echo exit-$?")
        }
        let alice = try Tmux(), bob = try Tmux()
        defer { alice.kill(); bob.kill() }
        try start(alice, "alice", "TEST_ALSA_IN=\(tmp.path("in.raw"))")
        try start(bob, "bob", "TEST_ALSA_OUT=\(tmp.path("bob.raw"))")
        #expect(bob.waitFor("bob sees alice", timeout: 10) { $0.contains { $0.contains("alice") } && $0.contains { $0.contains("connected") } } != nil,
                "\(bob.lastScreen.joined(separator: "\n"))")
        #expect(alice.waitFor("alice ready") { $0.contains { $0.contains("hold space to talk") } } != nil)

        // Hold space on alice's screen; bob's screen marks alice as the talker.
        var bobSawTalker = false, aliceSawTalking = false
        try alice.holdSpace(for: 1.5) {
            if alice.capture().contains(where: { $0.contains("TALKING") }) { aliceSawTalking = true }
            if bob.capture().contains(where: { $0.contains("> alice") }) { bobSawTalker = true }
        }
        #expect(aliceSawTalking, "alice never showed TALKING")
        #expect(bobSawTalker || bob.waitFor("talker mark", timeout: 1) { $0.contains { $0.contains("> alice") } } != nil,
                "bob never marked alice talking: \(bob.lastScreen.joined(separator: "\n"))")
        // Released: the mark goes away.
        #expect(bob.waitFor("talker cleared", timeout: 3) { !$0.contains { $0.contains("> alice") } } != nil)

        // Chat from bob appears on alice's screen.
        try bob.keys("Enter")
        try bob.type("hello alice")
        #expect(alice.waitFor("chat line") { $0.contains { $0.contains("bob: hello alice") } } != nil)

        // q quits; the shell works again.
        try alice.keys("q")
        #expect(alice.waitFor("exit status") { $0.contains { $0.contains("exit-0") } } != nil, "\(alice.lastScreen.joined(separator: "\n"))")
        try alice.type("echo ok-$((1+1))")
        #expect(alice.waitFor("usable shell") { $0.contains { $0 == "ok-2" } } != nil)
        #expect(bob.waitFor("alice left") { $0.contains { $0.contains("alice left") } } != nil)
        try bob.keys("q")
        #expect(bob.waitFor("bob exit") { $0.contains { $0.contains("exit-0") } } != nil)
        // Bob's speaker file holds what alice said.
        let heard = TestSignal.read(tmp.path("bob.raw"))
        #expect(TestSignal.rms(heard[...]) > 100)
    }

    /// The keys people reach for: `m` mutes the microphone (shown to the others), Esc and `q`
    /// close the help box before anything else, Tab picks a member whose volume `-` lowers and
    /// `x` silences; a microphone that cannot open is named, with what ALSA said.
    @Test(.enabled(if: Tmux.available)) func micMuteHelpBoxAndPerMemberVolume() async throws {
        let tmp = try TemporaryDirectory()
        let (relay, port) = try await startRelay()
        defer { relay.stop() }
        let ptt = ChildProcess.binDirectory.appendingPathComponent("ptt").path
        let alsa = testALSAEnvironment["ALSA_CONFIG_PATH"] ?? ""
        let alice = try Tmux(), bob = try Tmux()
        defer { alice.kill(); bob.kill() }
        try alice.type("env ALSA_CONFIG_PATH=\(alsa) XDG_STATE_HOME=\(tmp.path("a")) \(ptt) join standup alice --input nosuchmic --relay ws://127.0.0.1:\(port); echo exit-$?")
        try bob.type("env ALSA_CONFIG_PATH=\(alsa) XDG_STATE_HOME=\(tmp.path("b")) \(ptt) join standup bob --relay ws://127.0.0.1:\(port); echo exit-$?")
        #expect(bob.waitFor("bob sees alice", timeout: 10) { $0.contains { $0.contains("alice") } && $0.contains { $0.contains("connected") } } != nil)
        // The wrong microphone is named once, with ALSA's reason, in the log.
        #expect(alice.waitFor("device named") { $0.contains { $0.contains("'nosuchmic'") } } != nil, "\(alice.lastScreen.joined(separator: "\n"))")

        try alice.keys("m")
        #expect(alice.waitFor("own mic off") { $0.contains { $0.contains("MIC OFF") } } != nil, "\(alice.lastScreen.joined(separator: "\n"))")
        #expect(bob.waitFor("alice's mic off") { $0.contains { $0.contains("alice") && $0.contains("mic off") } } != nil,
                "\(bob.lastScreen.joined(separator: "\n"))")

        // Help: Esc closes it; q over it closes it and does not quit.
        try bob.keys("?")
        #expect(bob.waitFor("help open") { $0.contains { $0.contains("Keys") } } != nil)
        try bob.keys("Escape")
        #expect(bob.waitFor("help closed by esc") { !$0.contains { $0.contains("Keys") } } != nil)
        try bob.keys("?")
        #expect(bob.waitFor("help open again") { $0.contains { $0.contains("Keys") } } != nil)
        try bob.keys("q")
        #expect(bob.waitFor("help closed by q") { !$0.contains { $0.contains("Keys") } } != nil)
        #expect(!bob.capture().contains { $0.contains("exit-") }, "q over the help box quit")

        // Pick alice, lower her, silence her.
        try bob.keys("Tab")
        #expect(bob.waitFor("picked") { $0.contains { $0.contains("alice: vol 100%") } } != nil, "\(bob.lastScreen.joined(separator: "\n"))")
        try bob.keys("-")
        #expect(bob.waitFor("lowered") { $0.contains { $0.contains("alice: vol 90%") } } != nil)
        try bob.keys("x")
        #expect(bob.waitFor("silenced") { $0.contains { $0.contains("alice: silenced") } } != nil)
        // Esc drops the pick: +/- is the master volume again.
        try bob.keys("Escape")
        #expect(bob.waitFor("pick dropped") { !$0.contains { $0.contains("alice: silenced") } } != nil)
        try bob.keys("q")
        #expect(bob.waitFor("bob exit") { $0.contains { $0.contains("exit-0") } } != nil)
        try alice.keys("q")
        #expect(alice.waitFor("alice exit") { $0.contains { $0.contains("exit-0") } } != nil)
        // Remembered for bob's next call.
        let saved = try SpeakerFile.read(tmp.path("b/ptt/speakers.json"))
        #expect(saved["alice"]?.volume == 90 && saved["alice"]?.muted == true, "\(saved)")
    }

    /// `ptt echo` stops on `q` and leaves the terminal echoing as before.
    @Test(.enabled(if: Tmux.available)) func echoStopsOnQ() async throws {
        let ptt = ChildProcess.binDirectory.appendingPathComponent("ptt").path
        let alsa = testALSAEnvironment["ALSA_CONFIG_PATH"] ?? ""
        let t = try Tmux()
        defer { t.kill() }
        try t.type("env ALSA_CONFIG_PATH=\(alsa) TEST_ALSA_IN=/dev/zero TEST_ALSA_OUT=/dev/null \(ptt) echo; echo exit-$?")
        #expect(t.waitFor("echo running") { $0.contains { $0.contains("q or Ctrl-C stops") } } != nil, "\(t.lastScreen.joined(separator: "\n"))")
        try t.keys("q")
        #expect(t.waitFor("echo stopped") { $0.contains { $0.contains("exit-0") } } != nil, "\(t.lastScreen.joined(separator: "\n"))")
        #expect(t.capture().contains { $0.contains("sent ") && $0.contains("frames") })
        // The terminal echoes typed text again.
        try t.type("echo ok-$((2+2))", enter: false)
        #expect(t.waitFor("typed text echoed") { $0.contains { $0.hasSuffix("echo ok-$((2+2))") } } != nil)
        try t.keys("Enter")
        #expect(t.waitFor("shell works") { $0.contains { $0 == "ok-4" } } != nil)
    }

    @Test(.enabled(if: Tmux.available)) func unreachableRelayRestoresTheTerminalAndSaysWhy() async throws {
        let tmux = try Tmux()
        defer { tmux.kill() }
        let ptt = ChildProcess.binDirectory.appendingPathComponent("ptt").path
        try tmux.type("\(ptt) join standup alice --relay ws://127.0.0.1:9; echo exit-$?")
        #expect(tmux.waitFor("message", timeout: 10) { $0.contains { $0.contains("cannot reach the relay") } && $0.contains { $0.contains("exit-1") } } != nil,
                "\(tmux.lastScreen.joined(separator: "\n"))")
        try tmux.type("echo ok-$((1+1))")
        #expect(tmux.waitFor("usable shell") { $0.contains { $0 == "ok-2" } } != nil)
    }
}
