// ptt-tui-demo: a test harness for PTTTerminal, not a ptt command. It draws a scripted room,
// shows TALKING while space is held (HoldDetector), runs the chat editor, and quits on `q`.
// PTTTerminalTests drive it through tmux.
//
//   ptt-tui-demo [--log-file PATH] [--no-colour] [--no-kitty] [--detect-timeout MS] [--crash-after MS] [--exit-after MS]
//
// --detect-timeout MS: how long to wait for the terminal to answer the kitty query (the
// device-attributes reply ends the wait earlier); tests on a busy machine give it seconds.
// --crash-after MS calls fatalError after MS milliseconds, and --exit-after MS calls exit(3)
// without stopping the UI: they test the terminal restore on a crash and on a bare exit.
import Glibc
import PTTTerminalCore
import PTTTerminal

var options = TerminalUI.Options()
var crashAfter: Int?
var exitAfter: Int?
var args = CommandLine.arguments.dropFirst()
while let arg = args.popFirst() {
    switch arg {
    case "--log-file": options.logPath = args.popFirst()
    case "--no-colour": options.colour = false
    case "--no-kitty": options.detectKitty = false
    case "--detect-timeout":
        guard let ms = args.popFirst().flatMap({ Int($0) }), ms > 0 else {
            print("ptt-tui-demo: --detect-timeout needs a positive number of milliseconds")
            exit(2)
        }
        options.detectionTimeoutMilliseconds = ms
    case "--crash-after": crashAfter = args.popFirst().flatMap { Int($0) }
    case "--exit-after": exitAfter = args.popFirst().flatMap { Int($0) }
    default:
        print("usage: ptt-tui-demo [--log-file PATH] [--no-colour] [--no-kitty] [--detect-timeout MS] [--crash-after MS] [--exit-after MS]")
        exit(2)
    }
}

func clockTime() -> String {
    var t = time(nil)
    var parts = tm()
    localtime_r(&t, &parts)
    let h = parts.tm_hour < 10 ? "0\(parts.tm_hour)" : "\(parts.tm_hour)"
    let m = parts.tm_min < 10 ? "0\(parts.tm_min)" : "\(parts.tm_min)"
    return "\(h):\(m)"
}

var model = ScreenModel(
    room: "demo", relayURL: "ws://127.0.0.1:7700", connection: .connected, roundTripMilliseconds: 14,
    members: [
        .init(id: 1, name: "alice", isSelf: true, jitterMilliseconds: 2, lossPercent: 0),
        .init(id: 2, name: "bob", jitterMilliseconds: 11, lossPercent: 0.4),
        .init(id: 3, name: "carol", listener: true),
    ],
    micLevelDBFS: -27.5,
    chat: [
        .init(time: clockTime(), sender: "", text: "ptt-tui-demo: a scripted room (test harness)"),
        .init(time: clockTime(), sender: "bob", text: "hold space to talk, enter to chat, q to quit"),
    ],
    volumePercent: 80
)

let ui: TerminalUI
do {
    ui = try TerminalUI(options: options, model: model)
} catch {
    print("ptt-tui-demo: \(error)")
    exit(1)
}

if let crashAfter {
    Task {
        try? await Task.sleep(for: .milliseconds(crashAfter))
        // No core dump from a requested crash: a core-size limit of 1 byte makes the kernel
        // skip both a core file and a pipe to a dump collector (which would delay the exit).
        var noCore = rlimit(rlim_cur: 1, rlim_max: 1)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &noCore)
        fatalError("ptt-tui-demo: crash requested by --crash-after")
    }
}
if let exitAfter {
    Task {
        try? await Task.sleep(for: .milliseconds(exitAfter))
        exit(3)
    }
}

/// Logs to stderr, which the UI points at --log-file (or /dev/null) while the screen is up.
func log(_ line: String) {
    let bytes = Array("ptt-tui-demo: \(line)\n".utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

log("started, kitty keyboard: \(ui.isKittyKeyboard)")
for await intent in ui.intents {
    log("intent \(intent)")
    switch intent {
    case .talkPressed:
        model.talkState = .talking
        model.members[0].talking = true
        model.members[0].level = 0.6
    case .talkReleased:
        model.talkState = .idle
        model.members[0].talking = false
    case .quit:
        ui.stop()
    case .toggleMute: model.muted.toggle()
    case .toggleMicMute: model.micMuted.toggle()
    case .selectNext, .selectPrevious:
        let ids = model.members.filter { !$0.isSelf }.map(\.id)
        let at = model.selectedID.flatMap { ids.firstIndex(of: $0) }
        let next = intent == .selectNext ? (at.map { $0 + 1 } ?? 0) : (at.map { $0 - 1 } ?? ids.count - 1)
        model.selectedID = ids.indices.contains(next) ? ids[next] : nil
    case .toggleSelectedMute:
        if let i = model.members.firstIndex(where: { $0.id == model.selectedID }) { model.members[i].silenced.toggle() }
    case .replay, .listReplays: break
    case .dismiss:
        if model.helpVisible { model.helpVisible = false } else { model.selectedID = nil }
    case .volumeUp: model.volumePercent = min(150, model.volumePercent + 10)
    case .volumeDown: model.volumePercent = max(0, model.volumePercent - 10)
    case .cycleMode: model.talkMode = model.talkMode.next
    case .toggleHelp: model.helpVisible.toggle()
    case .toggleStats: model.statsVisible.toggle()
    case .toggleCaptions, .toggleDirect: break
    case .openChat, .cancelChat: break
    case .sendChat(let text): model.chat.append(.init(time: clockTime(), sender: "alice", text: text))
    }
    ui.update(model)
}
ui.stop()
let signal = ui.terminationSignal
print("ptt-tui-demo: terminal restored" + (signal.map { " after signal \($0)" } ?? ""))
exit(signal.map { 128 + $0 } ?? 0)
