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
