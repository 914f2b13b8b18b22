import CNCurses
import Glibc
import PTTTerminalCore

/// Draws ``RenderedScreen``s with ncurses. Terminal thread only (after ``open`` on the starting
/// thread): ncurses is not thread-safe, and nothing else in the process calls it.
final class CursesScreen {
    private let screen: OpaquePointer
    let colour: Bool

    /// Enters curses mode on stdin/stdout: alternate screen, raw keys, no echo, hidden cursor.
    init(colour wanted: Bool?) throws {
        let term = getenv("TERM").map { String(cString: $0) } ?? "unknown"
        guard let screen = newterm(nil, cnc_stdout(), cnc_stdin()) else {
            throw TerminalError.cursesFailed(term: term)
        }
        self.screen = screen
        set_term(screen)
        raw()        // Ctrl+C, Ctrl+Z and Ctrl+\ arrive as keys; no flow control
        noecho()
        nonl()
        typeahead(-1) // ncurses must not peek at fd 0: the key reader owns it
        _ = curs_set(0)
        let noColour = getenv("NO_COLOR").map { $0.pointee != 0 } ?? false
        if wanted ?? (has_colors() && !noColour), has_colors() {
            start_color()
            use_default_colors()
            init_pair(1, Int16(COLOR_CYAN), -1)   // accent
            init_pair(2, Int16(COLOR_GREEN), -1)  // talking
            init_pair(3, Int16(COLOR_YELLOW), -1) // warning
            init_pair(4, Int16(COLOR_RED), -1)    // error
            colour = true
        } else {
            colour = false
        }
        _ = cnc_erase()
        _ = cnc_refresh() // enters the alternate screen now, before anything is written around ncurses
    }

    var size: (width: Int, height: Int) { (Int(cnc_cols()), Int(cnc_lines())) }

    /// Follows a new window size (after SIGWINCH).
    func resize() {
        var rows: Int32 = 0
        var cols: Int32 = 0
        if cnc_winsize(1, &rows, &cols) == 0, rows > 0, cols > 0 {
            resizeterm(rows, cols)
        }
    }

    private func attributes(_ run: TextRun) -> attr_t {
        var a = cnc_attr_normal()
        if run.style.contains(.bold) { a |= cnc_attr_bold() }
        if run.style.contains(.reverse) { a |= cnc_attr_reverse() }
        if run.style.contains(.dim) { a |= cnc_attr_dim() }
        if run.style.contains(.underline) { a |= cnc_attr_underline() }
        if colour, run.color != .normal { a |= cnc_color_pair(Int16(run.color.rawValue)) }
        return a
    }

    func draw(_ rendered: RenderedScreen) {
        _ = cnc_erase()
        for (y, row) in rendered.rows.enumerated() {
            _ = cnc_move(Int32(y), 0)
            for run in row.runs {
                _ = cnc_attrset(attributes(run))
                _ = run.text.withCString { cnc_addnstr($0, -1) }
            }
        }
        _ = cnc_attrset(cnc_attr_normal())
        if let cursor = rendered.cursor {
            _ = curs_set(1)
            _ = cnc_move(Int32(cursor.row), Int32(cursor.column))
        } else {
            _ = curs_set(0)
        }
        _ = cnc_refresh()
    }

    /// Leaves curses mode: cursor shown, alternate screen left, terminal modes restored.
    func close() {
        _ = curs_set(1)
        endwin()
        delscreen(screen)
    }
}
