// PTTTerminalCore: the screen's logic, without a terminal.
//
// Holds: key decoding (`KeyDecoder`, the kitty keyboard protocol included), hold detection
// for the talk key (`HoldDetector`: release events, or autorepeat timing), the chat line
// editor, the key bindings (`InputMapper`: keys to `UIIntent`s), and the screen model with
// its layout (`ScreenModel`, `ScreenLayout`: a model and a size to rows of styled text, with
// the controls in others' names and chat shown inert, `InertText`).
//
// Imports: the standard library and `PTTProtocol`. `PTTTerminal` is its shell (ncurses and
// the fd-0 key reader).
//
// Threads: value types; time is passed in. The shell runs them on its key-reader thread.
