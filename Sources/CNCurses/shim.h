#ifndef PTT_CNCURSES_SHIM_H
#define PTT_CNCURSES_SHIM_H
// ncurses exposes much of its API as macros and a mutable global (stdscr), which
// Swift cannot call or, in Swift 6, touch safely. One wrapper per use, prefixed cnc_.
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <ncurses.h>

// The standard screen: a global variable, read through a function.
static inline WINDOW *cnc_stdscr(void) { return stdscr; }
// Attributes are macros built from bit shifts.
static inline attr_t cnc_attr_normal(void) { return A_NORMAL; }
static inline attr_t cnc_attr_bold(void) { return A_BOLD; }
static inline attr_t cnc_attr_reverse(void) { return A_REVERSE; }
static inline attr_t cnc_attr_dim(void) { return A_DIM; }
static inline attr_t cnc_attr_underline(void) { return A_UNDERLINE; }
static inline attr_t cnc_color_pair(short n) { return COLOR_PAIR(n); }
// attron/attroff/attrset are macros over the standard screen.
static inline int cnc_attron(attr_t a) { return wattron(stdscr, (int)a); }
static inline int cnc_attroff(attr_t a) { return wattroff(stdscr, (int)a); }
static inline int cnc_attrset(attr_t a) { return wattrset(stdscr, (int)a); }
// getmaxyx is a macro that assigns to its arguments.
static inline int cnc_lines(void) { int y, x; getmaxyx(stdscr, y, x); (void)x; return y; }
static inline int cnc_cols(void) { int y, x; getmaxyx(stdscr, y, x); (void)y; return x; }
// Moving and writing on the standard screen are macros too.
static inline int cnc_mvaddnstr(int y, int x, const char *s, int n) { return mvwaddnstr(stdscr, y, x, s, n); }
static inline int cnc_erase(void) { return werase(stdscr); }
static inline int cnc_refresh(void) { return wrefresh(stdscr); }
static inline int cnc_clrtoeol(void) { return wclrtoeol(stdscr); }
static inline int cnc_move(int y, int x) { return wmove(stdscr, y, x); }
static inline int cnc_err(void) { return ERR; }
// addnstr is a macro over the standard screen: writes at the cursor, which it advances.
static inline int cnc_addnstr(const char *s, int n) { return waddnstr(stdscr, s, n); }
// stdin and stdout are C globals Swift 6 refuses as not concurrency-safe; newterm needs both.
static inline FILE *cnc_stdout(void) { return stdout; }
static inline FILE *cnc_stdin(void) { return stdin; }
// The window size comes from ioctl(TIOCGWINSZ), a variadic call Swift cannot make.
#include <sys/ioctl.h>
static inline int cnc_winsize(int fd, int *rows, int *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return -1;
    *rows = ws.ws_row; *cols = ws.ws_col;
    return 0;
}

#endif
