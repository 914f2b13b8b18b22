import Glibc
import PTTTerminal
import PTTTestSupport
import Testing

@Suite struct TerminalUITests {
    /// Without a terminal (CI, pipes) the UI refuses to start and leaves fd 2 alone. Skipped when
    /// the tests themselves run in a terminal, which they must not take over.
    @Test(.enabled(if: isatty(0) == 0 || isatty(1) == 0))
    func refusesToStartWithoutATerminal() {
        let before = fcntl(2, F_GETFL)
        #expect(throws: TerminalError.notATerminal) { try TerminalUI() }
        #expect(fcntl(2, F_GETFL) == before)
        #expect(TerminalError.notATerminal.description == "stdin and stdout must be a terminal")
    }

    @Test func defaultOptions() {
        let o = TerminalUI.Options()
        #expect(o.kittyFlags == 27) // 1 disambiguate + 2 event types + 8 all keys + 16 text
        #expect(o.detectKitty)
        #expect(o.logPath == nil)
        #expect(o.holdTiming.initialTimeout == 750_000_000)
    }
}
