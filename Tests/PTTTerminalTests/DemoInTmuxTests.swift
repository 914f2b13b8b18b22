import Foundation
import Glibc
import PTTTestSupport
import Testing

/// ptt-tui-demo in a real terminal (tmux, 80×24): drawing, holding space, chat, quitting, and
/// the terminal restored after `q`, Ctrl+C, signals and a crash.
@Suite(.serialized, .enabled(if: Tmux.available && Tmux.demoPath != nil, "needs tmux and the built ptt-tui-demo"))
struct DemoInTmuxTests {
    static let statusRow = 22
    static let kittyRelease = ["1b", "5b", "33", "32", "3b", "31", "3a", "33", "75"] // ESC[32;1:3u
    static let kittyPress = ["1b", "5b", "33", "32", "75"] // ESC[32u

    /// Starts the demo through `sh -c` (so its pid is known) and waits for the first screen.
    /// Afterwards the shell runs `stty -a`, so the test sees the modes the demo left behind.
    func startDemo(_ tmux: Tmux, args: String = "") throws -> pid_t {
        let demo = try #require(Tmux.demoPath)
        let pidFile = tmux.scratch + "/demo.pid"
        try tmux.type("sh -c 'echo $$ > \(pidFile); exec \(demo) \(args)'; echo exit=$?; echo modes: $(stty -a | tr ' ' '\\n' | grep -xE -- '-?(icanon|isig|echo)')")
        let screen = tmux.waitFor("the demo's first screen") { rows in
            rows.count == 24 && rows[0].hasPrefix(" ptt  #demo") && rows[Self.statusRow].hasPrefix(" hold space to talk")
        }
        #expect(screen != nil, "no demo screen: \(tmux.lastScreen)")
        let text = try String(contentsOfFile: pidFile, encoding: .utf8)
        return try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// After the demo ended: its goodbye is on the main screen, termios is back (canonical,
    /// echo), and the shell runs commands.
    /// Returns the screen as the demo left it (before the check's own `clear`).
    @discardableResult
    func expectShellUsable(_ tmux: Tmux, exit code: Int, goodbye: String? = "ptt-tui-demo: terminal restored") throws -> [String] {
        try expectShellUsable(tmux, exit: [code], goodbye: goodbye.map { [$0] } ?? [])
    }

    static func isModesOutput(_ row: String) -> Bool {
        guard row.hasPrefix("modes:") else { return false }
        let words = row.dropFirst("modes:".count).split(separator: " ")
        return words.allSatisfy { ["icanon", "isig", "echo", "-icanon", "-isig", "-echo"].contains(String($0)) }
    }

    @discardableResult
    func expectShellUsable(_ tmux: Tmux, exit codes: [Int], goodbye: [String]) throws -> [String] {
        // The typed command line also holds "modes:" and may wrap so that a row starts with it;
        // only the output row is made of nothing but the modes.
        let after = tmux.waitFor("the shell after the demo") { rows in rows.contains(where: Self.isModesOutput) }
        #expect(after != nil, "the demo did not end: \(tmux.lastScreen)")
        let rows = tmux.lastScreen
        if !goodbye.isEmpty { #expect(rows.contains { row in goodbye.contains { row.hasPrefix($0) } }, "\(rows)") }
        #expect(rows.contains { row in codes.contains { row == "exit=\($0)" } }, "\(rows)")
        // the command line typed before the demo is visible again: the alternate screen was left
        #expect(rows.contains { $0.contains("sh -c 'echo $$") })
        #expect(rows.contains("modes: isig icanon echo"), "\(rows)")
        try tmux.type("clear; echo ok-$((1+1))")
        let ok = tmux.waitFor("ok-2") { rows in rows.contains("ok-2") }
        #expect(ok != nil, "shell not usable: \(tmux.lastScreen)")
        return rows
    }

    @Test func drawsHoldsSpaceAndQuits() throws {
        let tmux = try Tmux()
        defer { tmux.kill() }
        _ = try startDemo(tmux)
        let first = tmux.lastScreen
        #expect(first[1].hasPrefix(" Room (3)") && first[1].contains("|  Chat"))
        #expect(first[2].hasPrefix("   alice (you)"))
        #expect(first[21].hasPrefix(" mic  -27.5 dBFS"))
        #expect(first[Self.statusRow].contains("| autorepeat timing |"))
        #expect(first[23].hasPrefix(" space talk  m mic  d deafen"))

        // Hold: TALKING appears and stays while the repeats come.
        var talkingSeen = 0, markedSeen = 0
        var checks = 0
        try tmux.holdSpace(for: 1.6) {
            checks += 1
            let screen = tmux.capture()
            if screen[Self.statusRow].hasPrefix(" TALKING ") { talkingSeen += 1 }
            if screen[2].hasPrefix(" > alice (you)") { markedSeen += 1 }
        }
        #expect(checks >= 4)
        #expect(talkingSeen >= checks - 1, "TALKING in \(talkingSeen) of \(checks) screens during the hold")
        #expect(markedSeen >= checks - 1, "alice marked as talking in \(markedSeen) of \(checks) screens during the hold")
        // Release (inferred from the missing repeats): TALKING clears.
        let released = tmux.waitFor("release") { $0[Self.statusRow].hasPrefix(" hold space to talk") }
        #expect(released != nil, "still talking: \(tmux.lastScreen)")

        try tmux.keys("q")
        try expectShellUsable(tmux, exit: 0)
    }

    @Test func kittyReleaseEndsTalkingAtOnce() throws {
        let tmux = try Tmux()
        defer { tmux.kill() }
        _ = try startDemo(tmux)
        // a legacy hold, ended by a kitty release
        var start = Date()
        try tmux.holdSpace(for: 1.0, last: {
            #expect(tmux.capture()[Self.statusRow].hasPrefix(" TALKING "))
            try tmux.bytes(Self.kittyRelease)
            start = Date()
        })
        let released = tmux.waitFor("kitty release") { $0[Self.statusRow].hasPrefix(" hold space to talk") }
        #expect(released != nil)
        #expect(released?[Self.statusRow].contains("| kitty keys |") == true)
        #expect(Date().timeIntervalSince(start) < 2)
        // kitty press: no timeout, talking lasts until the release
        try tmux.bytes(Self.kittyPress)
        #expect(tmux.waitFor("kitty press") { $0[Self.statusRow].hasPrefix(" TALKING ") } != nil)
        usleep(1_200_000)
        #expect(tmux.capture()[Self.statusRow].hasPrefix(" TALKING "), "released without a release event")
        try tmux.bytes(Self.kittyRelease)
        #expect(tmux.waitFor("kitty release") { $0[Self.statusRow].hasPrefix(" hold space to talk") } != nil)
        try tmux.keys("C-c")
        try expectShellUsable(tmux, exit: 0)
    }

    @Test func chatLineIsSentToTheLog() throws {
        let tmux = try Tmux()
        defer { tmux.kill() }
        let logFile = tmux.scratch + "/demo.log"
        _ = try startDemo(tmux, args: "--log-file \(logFile)")
        try tmux.keys("Enter")
        #expect(tmux.waitFor("the chat editor") { $0[23].hasPrefix("say>") } != nil)
        try tmux.type("hello from tmux", enter: false)
        #expect(tmux.waitFor("typed text") { $0[23] == "say> hello from tmux" } != nil, "\(tmux.lastScreen)")
        try tmux.keys("BSpace", "BSpace", "BSpace", "BSpace")
        try tmux.type("TMUX q", enter: true)
        let sent = tmux.waitFor("the sent line") { rows in
            rows[5].contains("| ") && rows.contains { $0.hasSuffix("alice: hello from TMUX q") }
        }
        #expect(sent != nil, "\(tmux.lastScreen)")
        #expect(tmux.lastScreen[23].hasPrefix(" space talk"))
        // Esc cancels
        try tmux.keys("Enter")
        try tmux.type("never sent", enter: false)
        try tmux.keys("Escape")
        #expect(tmux.waitFor("cancelled") { $0[23].hasPrefix(" space talk") } != nil)
        #expect(!tmux.capture().contains { $0.contains("never sent") })
        try tmux.keys("q")
        let after = try expectShellUsable(tmux, exit: 0)
        // what the demo wrote to stderr went to its log file, not onto the screen
        let log = try String(contentsOfFile: logFile, encoding: .utf8)
        #expect(log.contains("ptt-tui-demo: intent sendChat(\"hello from TMUX q\")"), "\(log)")
        #expect(log.contains("ptt-tui-demo: intent cancelChat"))
        #expect(after.contains { $0.hasPrefix("ptt-tui-demo: terminal restored") })
        #expect(!after.contains { $0.contains("intent") }, "\(after)")
    }

    @Test func toggleModeLatchesSpace() throws {
        let tmux = try Tmux()
        defer { tmux.kill() }
        _ = try startDemo(tmux)
        try tmux.keys("t") // the demo's model goes to toggle; the terminal follows it
        #expect(tmux.waitFor("toggle mode") { $0[Self.statusRow].hasPrefix(" press space to talk | mode toggle") } != nil,
                "\(tmux.lastScreen)")
        try tmux.keys("Space")
        #expect(tmux.waitFor("latched") { $0[Self.statusRow].hasPrefix(" TALKING ") } != nil)
        usleep(1_200_000) // longer than the 750 ms tap timeout: still latched
        #expect(tmux.capture()[Self.statusRow].hasPrefix(" TALKING "))
        usleep(300_000)
        try tmux.keys("Space")
        #expect(tmux.waitFor("unlatched") { $0[Self.statusRow].hasPrefix(" press space to talk") } != nil)
        try tmux.keys("t", "q")
        try expectShellUsable(tmux, exit: 0)
    }

    @Test func followsResizesWithoutColour() throws {
        let tmux = try Tmux()
        defer { tmux.kill() }
        _ = try startDemo(tmux, args: "--no-colour")
        try tmux.run(["resize-window", "-x", "100", "-y", "30"])
        let big = tmux.waitFor("30 rows") { $0.count == 30 && $0[28].hasPrefix(" hold space to talk") }
        #expect(big != nil, "\(tmux.lastScreen)")
        try tmux.run(["resize-window", "-x", "40", "-y", "10"])
        let small = tmux.waitFor("10 rows") { $0.count == 10 && $0[8].hasPrefix(" hold space to talk") }
        #expect(small != nil, "\(tmux.lastScreen)")
        try tmux.run(["resize-window", "-x", "80", "-y", "24"])
        #expect(tmux.waitFor("24 rows") { $0.count == 24 && $0[22].hasPrefix(" hold space") } != nil)
        try tmux.keys("q")
        try expectShellUsable(tmux, exit: 0)
    }

    @Test(arguments: [SIGTERM, SIGHUP, SIGINT, SIGQUIT])
    func signalRestoresTheTerminal(_ signal: Int32) throws {
        let tmux = try Tmux()
        defer { tmux.kill() }
        let pid = try startDemo(tmux)
        #expect(Glibc.kill(pid, signal) == 0)
        try expectShellUsable(tmux, exit: 128 + Int(signal), goodbye: "ptt-tui-demo: terminal restored after signal \(signal)")
    }

    @Test func crashRestoresTheTerminal() throws {
        let tmux = try Tmux()
        defer { tmux.kill() }
        _ = try startDemo(tmux, args: "--crash-after 1500")
        // fatalError traps: SIGILL on x86_64 (ud2), SIGTRAP on arm64 (brk)
        try expectShellUsable(tmux, exit: [128 + Int(SIGILL), 128 + Int(SIGTRAP)],
                              goodbye: ["Illegal instruction", "Trace/breakpoint trap"])
    }

    @Test func exitWithoutStopRestoresTheTerminal() throws {
        let tmux = try Tmux()
        defer { tmux.kill() }
        _ = try startDemo(tmux, args: "--exit-after 800")
        try expectShellUsable(tmux, exit: 3, goodbye: nil)
    }
}
