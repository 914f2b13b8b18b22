import Glibc
import PTTAudio
import PTTProtocol
import PTTSessionCore
import Synchronization
import PTTSystem

/// `ptt join --json`: no screen; one JSON object per line on stdout for every event, and
/// commands on stdin (`ScriptCommand.summary`).
/// End of input does not end the session: `quit`, Ctrl-C or SIGTERM do.
enum JSONMode {
    static let output = Mutex<Void>(())

    /// Writes one line to stdout, whole, even when several threads print.
    static func emit(_ object: JSONObject) {
        let line = JSONValue.object(object).jsonText + "\n"
        output.withLock { _ in Console.write(line, fd: 1) }
    }

    static func emit(_ event: CallEvent) {
        switch event {
        case .session(let e):
            emit(e.jsonObject)
        case .device(let direction, let status):
            var o = JSONObject([("event", .string("device")), ("kind", .string(direction == .capture ? "input" : "output"))])
            switch status {
            case .running(let name): o["status"] = .string("running"); o["device"] = .string(name)
            case .unavailable(let message, let retry):
                o["status"] = .string("unavailable"); o["message"] = .string(message); o["retry_ms"] = .int(Int64(retry))
            case .stopped: o["status"] = .string("stopped")
            }
            emit(o)
        }
    }

    /// Reads commands from stdin on a dedicated thread until end of input.
    static func readCommands(call: Call) {
        _ = AudioThread(name: "stdin") {
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                guard let n = try? Posix.call("read", { buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) } }), n > 0 else { return }
                pending.append(contentsOf: buffer[0..<n])
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeSubrange(...newline)
                    if pending.count > 8192 { pending.removeAll() }
                    perform(line, call: call)
                }
            }
        }
    }

    /// The `stats` event: each speaker's receive statistics, device xruns, decoder errors.
    static func statistics(_ call: Call) -> JSONObject {
        // Named; those who left are kept (with "left": true) until ptt quits.
        let roster = call.session.snapshot.roster
        let present = call.receiver.allStatistics.map { entry -> JSONValue in
            var o = entry.statistics.jsonObject(id: entry.id)
            o["name"] = roster[entry.id].map { .string($0.displayName) } ?? .null
            return .object(o)
        }
        let gone = call.departed.all.map { entry -> JSONValue in
            var o = entry.statistics.jsonObject(id: entry.id)
            o["name"] = .string(entry.name)
            o["left"] = .bool(true)
            return .object(o)
        }
        let speakers = present + gone
        return JSONObject([
            ("event", .string("stats")), ("speakers", .array(speakers)),
            ("sent_frames", .int(Int64(call.transmitter?.sentFrames ?? 0))),
            ("capture_xruns", .int(Int64(call.capture?.xruns ?? 0))),
            ("playback_xruns", .int(Int64(call.playback.xruns))),
            ("decoder_errors", .int(Int64(call.receiver.decoderErrors))),
        ]
            + ((call.capture?.deviceDelayMicros).map { [("capture_delay_us", JSONValue.int(Int64($0)))] } ?? [])
            + (call.playback.deviceDelayMicros.map { [("playback_delay_us", JSONValue.int(Int64($0)))] } ?? []))
    }

    static let listenOnlyError = JSONObject([("event", .string("error")), ("code", .string("listen-only")),
                                             ("text", .string("joined with --listen: this client never talks"))])

    /// Changes how a member plays (remembered by name, also when nobody of that name is here
    /// now) and says what it is now, as a `speaker` event.
    static func speaker(_ name: String, call: Call, _ edit: (inout SpeakerPreferences.Setting) -> Void) {
        let change = { (prefs: inout SpeakerPreferences) -> SpeakerPreferences.Setting in
            var s = prefs[name]
            edit(&s)
            prefs.set(s, for: name)
            return s
        }
        let ids = call.session.snapshot.roster.sorted.filter { $0.name == name }.map(\.id)
        var result: (SpeakerPreferences.Setting, String?) = (call.speakers[name], nil)
        if ids.isEmpty {
            result = call.speakers.update(name, change)
        } else {
            for id in ids { result = call.changeSpeaker(id, name: name, change) }
        }
        var o = JSONObject([("event", .string("speaker")), ("name", .string(name)), ("present", .bool(!ids.isEmpty)),
                            ("volume", .int(Int64(result.0.volumePercent))), ("silenced", .bool(result.0.muted))])
        if let problem = result.1 { o["warning"] = .string(problem) }
        emit(o)
    }

    /// The `replays` event: what `replay N` would play, newest first.
    static func replays(_ call: Call) -> JSONObject {
        let now = MonotonicClock.now()
        let list = call.receiver.recentSpurts.reversed().enumerated().map { i, s -> JSONValue in
            .object(JSONObject([("back", .int(Int64(i + 1))), ("id", .int(Int64(s.speaker))), ("name", .string(call.speakerName(s.speaker))),
                                ("seconds", .number(s.durationText)),
                                ("ago_s", .int(Int64(elapsed(from: s.started, to: now) / .second)))]))
        }
        return JSONObject([("event", .string("replays")), ("spurts", .array(list))])
    }

    static func perform(_ line: String, call: Call) {
        if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { return }
        do {
            switch try ScriptCommand.parse(line) {
            case .talk(let on):
                if call.listen {
                    emit(listenOnlyError)
                } else if on, let status = call.capture?.status, case .unavailable(let message, _) = status {
                    // The key is still held: speech goes out once the microphone works again.
                    emit(JSONObject([("event", .string("error")), ("code", .string("no-microphone")),
                                     ("text", .string("no microphone, nothing is sent until it works: \(message)"))]))
                }
                // `talk on` speaks to the room again after a `talk on NAME`.
                if on { _ = call.session.setDirectTarget(name: nil) }
                call.talk(on)
            case .talkTo(let name):
                if call.listen {
                    emit(listenOnlyError)
                } else if let refusal = call.session.setDirectTarget(name: name) {
                    emit(JSONObject([("event", .string("error")), ("code", .string("direct")), ("text", .string(refusal))]))
                } else {
                    call.talk(true)
                }
            case .op(let action, let name, let minutes):
                if let refusal = call.session.operatorRequest(action, name: name, minutes: minutes) {
                    emit(JSONObject([("event", .string("error")), ("code", .string("operator")), ("text", .string(refusal.description))]))
                }
            case .chat(let text): call.session.chat(text)
            case .mute(let on): call.setMuted(on)
            case .mic(let on):
                if call.listen { emit(listenOnlyError) } else { call.setMicMuted(!on) }
            case .volume(let name, let percent): speaker(name, call: call) { $0.volumePercent = percent }
            case .silence(let name, let on): speaker(name, call: call) { $0.muted = on }
            case .replay(let back, let fast):
                do {
                    if let spurt = try call.receiver.replay(back: back, speed: fast ? 1.5 : 1) {
                        emit(JSONObject([("event", .string("replay")), ("back", .int(Int64(back))), ("id", .int(Int64(spurt.speaker))),
                                         ("name", .string(call.speakerName(spurt.speaker))),
                                         ("seconds", .number(spurt.durationText)), ("fast", .bool(fast))]))
                    } else {
                        let heard = call.receiver.recentSpurts.count
                        emit(JSONObject([("event", .string("error")), ("code", .string("nothing-to-replay")),
                                         ("text", .string(heard == 0 ? "nothing to replay: nobody has talked yet" : "no spurt \(back) back to replay: \(heard) heard"))]))
                    }
                } catch {
                    emit(JSONObject([("event", .string("error")), ("code", .string("replay")), ("text", .string("cannot replay: \(error)"))]))
                }
            case .replays: emit(replays(call))
            case .history(let n):
                if let refusal = call.session.requestHistory(n) {
                    emit(JSONObject([("event", .string("error")), ("code", .string("history")), ("text", .string(refusal.description))]))
                }
            case .stats: emit(statistics(call))
            case .quit: call.quit()
            }
        } catch {
            emit(JSONObject([("event", .string("error")), ("code", .string("bad-command")), ("text", .string(error.description))]))
        }
    }
}
