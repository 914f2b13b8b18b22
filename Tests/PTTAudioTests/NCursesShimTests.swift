import CNCurses
import Glibc
import Testing

/// The CNCurses shim: attributes, the standard screen and its size, on a real terminfo entry.
@Suite struct NCursesShimTests {
    @Test func attributesAreDistinctBits() {
        let attrs = [cnc_attr_bold(), cnc_attr_reverse(), cnc_attr_dim(), cnc_attr_underline()]
        #expect(cnc_attr_normal() == 0)
        #expect(Set(attrs).count == 4)
        #expect(attrs.allSatisfy { $0 != 0 })
        #expect(cnc_color_pair(1) != cnc_color_pair(2))
    }

    @Test func screenOnAnOffscreenTerminal() throws {
        guard let out = fopen("/dev/null", "w"), let inp = fopen("/dev/null", "r") else {
            Issue.record("cannot open /dev/null")
            return
        }
        defer { fclose(out); fclose(inp) }
        setenv("LINES", "30", 1)
        setenv("COLUMNS", "100", 1)
        defer { unsetenv("LINES"); unsetenv("COLUMNS") }
        guard let screen = newterm("xterm", out, inp) else {
            Issue.record("newterm failed for xterm")
            return
        }
        defer { endwin(); delscreen(screen) }
        #expect(cnc_stdscr() != nil)
        #expect(cnc_lines() == 30)
        #expect(cnc_cols() == 100)
        #expect(cnc_mvaddnstr(1, 2, "ptt", 3) != cnc_err())
        #expect(cnc_attron(cnc_attr_bold()) != cnc_err())
        #expect(cnc_attroff(cnc_attr_bold()) != cnc_err())
        #expect(cnc_erase() != cnc_err())
    }
}
