// PTTTerminal: the ncurses screen and the key reader.
//
// Holds: `TerminalUI` (renders `ScreenModel`s, delivers `UIIntent`s), the curses screen
// wrapper, the key-reading loop on fd 0, and the terminal restore that runs on every exit path
// (normal, signals, fatal errors), kitty keyboard flags included.
//
// Imports: `PTTProtocol`, `PTTTerminalCore` and ncurses. Never audio or network code.
//
// Threads: one terminal thread owns fd 0, ncurses and the key logic; any thread may call
// `update` (the model is handed over under a mutex and the terminal thread woken). fd 2 goes
// to the log file while the screen is up, so nothing lands on it (TerminalUI lists the rest).
