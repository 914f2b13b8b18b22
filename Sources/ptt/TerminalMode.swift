import Glibc
import PTTSessionCore
import PTTTerminalCore
import PTTTerminal

/// `ptt join` with a screen: the call drives a `ScreenState`, the terminal's intents drive
/// the call, and a refresh task pushes a new model twenty times a second.
enum TerminalMode {
    static func run(call: Call, state: ScreenState, name: String, logFile: String?) async throws -> (SessionCore.EndReason, Int32?) {
        var options = TerminalUI.Options()
        options.logPath = logFile
        let ui: TerminalUI
        do {
            ui = try TerminalUI(options: options, model: state.model(call: call, name: name)) { intent in
                handle(intent, call: call, state: state)
            }
        } catch {
            call.quit()
            throw TerminalModeError(description: "\(error) (use --json for scripts, or run ptt in a terminal)")
        }
        let refresh = Task {
            while !Task.isCancelled {
                ui.update(state.model(call: call, name: name))
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        let reason = await call.run()
        refresh.cancel()
        if reason.isFailure {
            // Show why for a moment before the screen goes away.
            ui.update(state.model(call: call, name: name))
            try? await Task.sleep(for: .milliseconds(1500))
        }
        ui.stop()
        return (reason, ui.terminationSignal)
    }

    /// Runs on the terminal thread, in key order; never blocks.
    static func handle(_ intent: UIIntent, call: Call, state: ScreenState) {
        switch intent {
        case .talkPressed:
            state.talkPressed()
            call.talk(true)
        case .talkReleased:
            call.talk(false)
        case .quit:
            call.quit()
        case .toggleMute:
            call.setMuted(!call.mix.withLock { $0.muted })
        case .volumeUp:
            _ = call.changeVolume(by: 1)
        case .volumeDown:
            _ = call.changeVolume(by: -1)
        case .cycleMode:
            if !call.listen { call.setMode(call.talkMode.next) }
        case .toggleHelp:
            state.toggleHelp()
        case .toggleStats:
            state.toggleStats()
        case .openChat, .cancelChat:
            break
        case .sendChat(let text):
            if !call.session.chat(text) { state.notice("not sent: a chat line is 1 to 1000 characters") }
        }
    }
}

struct TerminalModeError: Error, CustomStringConvertible {
    var description: String
}
