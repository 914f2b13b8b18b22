import Glibc
import PTTProtocol
import PTTSystem
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
        case .toggleMicMute:
            if !call.listen { call.setMicMuted(!call.micMuted) }
        case .toggleMute:
            call.setMuted(!call.mix.withLock { $0.muted })
        case .volumeUp, .volumeDown:
            let steps = intent == .volumeUp ? 1 : -1
            if let (id, name) = picked(call: call, state: state) {
                let (_, problem) = call.changeSpeaker(id, name: name) { $0.changeVolume(of: name, by: steps) }
                if let problem { state.notice(problem) }
            } else {
                _ = call.changeVolume(by: steps)
            }
        case .toggleSelectedMute:
            if let (id, name) = picked(call: call, state: state) {
                let (setting, problem) = call.changeSpeaker(id, name: name) { $0.toggleMuted(name) }
                state.notice(setting.muted ? "\(name) silenced (x again gives them back)" : "\(name) audible again")
                if let problem { state.notice(problem) }
            } else {
                state.notice("pick someone first: tab or the arrow keys")
            }
        case .selectNext, .selectPrevious:
            let ids = call.session.snapshot.roster.sorted.filter { $0.name != nil }.map(\.id)
            state.select(step: intent == .selectNext ? 1 : -1, among: ids)
        case .dismiss:
            state.dismiss()
        case .replay(let back):
            do {
                if let spurt = try call.receiver.replay(back: back) {
                    state.notice("replaying \(call.speakerName(spurt.speaker)) (\(spurt.durationText) s)")
                } else {
                    state.notice(call.receiver.recentSpurts.isEmpty ? "nothing to replay yet" : "no spurt \(back) back to replay")
                }
            } catch {
                state.notice("cannot replay: \(error)")
            }
        case .listReplays:
            let spurts = call.receiver.recentSpurts
            guard !spurts.isEmpty else { state.notice("nothing to replay yet"); break }
            let now = MonotonicClock.now()
            for (i, s) in spurts.reversed().enumerated() {
                state.notice("\((i + 1) % 10): \(call.speakerName(s.speaker)), \(s.durationText) s, \(elapsed(from: s.started, to: now) / .second) s ago")
            }
            state.notice("press a digit to hear one again, any other key to leave it")
        case .cycleMode:
            guard !call.listen else { break }
            let next = call.talkMode.next
            // Said before it takes effect: open and vox send without a key.
            state.notice(Self.modeNotice(next, micMuted: call.micMuted))
            call.setMode(next)
        case .toggleHelp:
            state.toggleHelp()
        case .toggleStats:
            state.toggleStats()
        case .toggleCaptions:
            state.toggleCaptions()
        case .toggleDirect:
            guard !call.listen else { break }
            if state.directName != nil {
                _ = call.session.setDirectTarget(name: nil)
                state.setDirect(nil)
                state.notice("talking to everyone again")
            } else if let (_, name) = picked(call: call, state: state) {
                if let refusal = call.session.setDirectTarget(name: name) {
                    state.notice(refusal)
                } else {
                    state.setDirect(name)
                    state.notice("space now talks to \(name) alone; w again talks to everyone")
                }
            } else {
                state.notice("pick someone first (tab or the arrow keys), then w talks to them alone")
            }
        case .openChat, .cancelChat:
            break
        case .sendChat(let text) where text.hasPrefix("/") && !text.hasPrefix("//"):
            // A request typed as a chat line: /history [N], or an operator's /kick NAME [MINUTES], /mute NAME, …
            switch try? ScriptCommand.parse(String(text.dropFirst())) {
            case .history(let n)?:
                if let refusal = call.session.requestHistory(n) { state.notice(refusal.description) }
            case .op(let action, let name, let minutes)?:
                if let refusal = call.session.operatorRequest(action, name: name, minutes: minutes) { state.notice(refusal.description) }
            default:
                state.notice("not sent: /history [N], /kick NAME [MINUTES], /mute NAME, /unmute NAME, /end NAME (// starts a chat line with /)")
            }
        case .sendChat(let text):
            let line = text.hasPrefix("//") ? String(text.dropFirst()) : text
            if !call.session.chat(line) { state.notice("not sent: a chat line is 1 to 1000 characters") }
        }
    }
}

extension TerminalMode {
    /// The member picked for `+`, `-` and `x`, if it is still here and has a name.
    static func picked(call: Call, state: ScreenState) -> (UInt32, String)? {
        guard let id = state.selected, let name = call.session.snapshot.roster[id]?.name else { return nil }
        return (id, name)
    }

    static func modeNotice(_ mode: TalkMode, micMuted: Bool) -> String {
        let off = micMuted ? " (your microphone is off: m turns it on)" : ""
        switch mode {
        case .hold: return "talk mode hold: hold space to talk"
        case .toggle: return "talk mode toggle: space starts and stops talking"
        case .vox: return "talk mode vox: your voice opens the microphone, m mutes it" + off
        case .open: return "talk mode open: the microphone sends all the time, m mutes it" + off
        }
    }
}

struct TerminalModeError: Error, CustomStringConvertible {
    var description: String
}
