import Glibc
import PTTTestSupport
import Testing

/// The kitty keyboard protocol end to end, with the test as the terminal.
@Suite(.serialized, .enabled(if: Tmux.demoPath != nil, "needs the built ptt-tui-demo"))
struct KittyProtocolTests {
    static let esc = "\u{1B}"
    /// The demo waits this long for the answers (the test answers at once, unless the machine stalls).
    static let detect = ["--detect-timeout", "5000"]

    /// Starts the demo, answers the queries as kitty does, and waits for the first screen.
    func start() throws -> FakeKittyTerminal {
        let term = try FakeKittyTerminal(demo: try #require(Tmux.demoPath), args: Self.detect)
        #expect(term.read { FakeKittyTerminal.find(Array("\(Self.esc)[?u\(Self.esc)[c".utf8), in: $0) != nil },
                "no kitty query")
        term.send("\(Self.esc)[?0u\(Self.esc)[?62;22c")
        #expect(term.read { FakeKittyTerminal.find(Array("\(Self.esc)[>27u".utf8), in: $0) != nil }, "flags not pushed")
        #expect(term.read { FakeKittyTerminal.find(Array("kitty keys".utf8), in: $0) != nil }, "status does not say kitty keys")
        return term
    }

    /// The flags are popped, and before the alternate screen is left (each screen has its own stack).
    func expectPoppedBeforeLeavingAltScreen(_ term: FakeKittyTerminal) {
        let pop = term.offset(of: "\(Self.esc)[<u")
        let leave = term.offset(of: "\(Self.esc)[?1049l")
        #expect(pop != nil, "flags never popped")
        #expect(leave != nil, "alternate screen never left")
        if let pop, let leave { #expect(pop < leave) }
        #expect(term.contains("\(Self.esc)[?25h"), "cursor not shown")
    }

    @Test func pushesFlagsTalksOnRealEventsAndPopsOnQuit() throws {
        let term = try start()
        let pushedAt = try #require(term.offset(of: "\(Self.esc)[>27u"))
        let enteredAt = try #require(term.offset(of: "\(Self.esc)[?1049h"))
        #expect(enteredAt < pushedAt, "flags pushed outside the alternate screen")

        term.clearOutput()
        term.send("\(Self.esc)[32u")
        #expect(term.read { FakeKittyTerminal.find(Array("TALKING".utf8), in: $0) != nil })
        // no release inferred from silence: nothing is redrawn for a second
        term.clearOutput()
        term.read(timeout: 1.2) { _ in false }
        #expect(!term.contains("hold space"))
        term.send("\(Self.esc)[32;1:3u")
        #expect(term.read { FakeKittyTerminal.find(Array("hold space".utf8), in: $0) != nil })

        term.clearOutput()
        term.send("\(Self.esc)[113u") // q
        #expect(term.waitForExit() == 0)
        expectPoppedBeforeLeavingAltScreen(term)
    }

    @Test func ctrlCAsAKeyQuits() throws {
        let term = try start()
        term.clearOutput()
        term.send("\(Self.esc)[99;5u")
        #expect(term.waitForExit() == 0)
        expectPoppedBeforeLeavingAltScreen(term)
    }

    @Test(arguments: [SIGTERM, SIGHUP, SIGINT])
    func signalPopsFlags(_ signal: Int32) throws {
        let term = try start()
        term.clearOutput()
        #expect(kill(term.pid, signal) == 0)
        #expect(term.waitForExit() == 128 + signal)
        expectPoppedBeforeLeavingAltScreen(term)
    }

    @Test func crashPopsFlags() throws {
        let term = try FakeKittyTerminal(demo: try #require(Tmux.demoPath), args: Self.detect + ["--crash-after", "700"])
        #expect(term.read { FakeKittyTerminal.find(Array("\(Self.esc)[c".utf8), in: $0) != nil })
        term.send("\(Self.esc)[?0u\(Self.esc)[?62c")
        #expect(term.read { FakeKittyTerminal.find(Array("\(Self.esc)[>27u".utf8), in: $0) != nil })
        term.clearOutput()
        let status = term.waitForExit()
        #expect(status == 128 + SIGILL || status == 128 + SIGTRAP) // fatalError: ud2 on x86_64, brk on arm64
        expectPoppedBeforeLeavingAltScreen(term)
    }
}
