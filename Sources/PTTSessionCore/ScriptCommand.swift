import PTTProtocol

/// A command read from standard input in `ptt join --json` mode, one per line.
public enum ScriptCommand: Equatable, Sendable {
    case talk(Bool)
    /// `talk on NAME`: a spurt for that member alone (direct talk; `talk off` ends it).
    case talkTo(String)
    /// An operator's request: `kick NAME [MINUTES]`, `mute NAME`, `unmute NAME`, `end NAME`
    /// (also `op kick|mute|unmute|end NAME [MINUTES]`, for a member named `on` or `off`).
    case op(OperatorAction, name: String, minutes: Int)
    case chat(String)
    /// The speakers: `mute on|off` (also `deafen on|off`).
    case mute(Bool)
    /// The microphone: `mic on|off` (off: muted, nothing is sent in any mode).
    case mic(on: Bool)
    /// `volume NAME PERCENT`: how loud a member plays, 0 to 200 % (remembered by name).
    case volume(name: String, percent: Int)
    /// `silence NAME on|off`: silence a member for us alone (remembered by name).
    case silence(name: String, on: Bool)
    /// `replay [N] [fast]`: hear the spurt N back (1: the last) again, `fast` at about 1.5×.
    case replay(back: Int, fast: Bool)
    /// `replays`: the spurts that can be heard again, as a `replays` event.
    case replays
    /// `history [N]`: ask the relay for the room's last N spurts (5; 1 to 10), to replay.
    case history(Int)
    /// Receive statistics per speaker and the devices' xruns, as one `stats` event.
    case stats
    case quit

    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case unknown(String)
        case usage(String)

        public var description: String {
            switch self {
            case .empty: return "empty command"
            case .unknown(let c): return "unknown command '\(c)': use \(ScriptCommand.summary)"
            case .usage(let u): return "usage: \(u)"
            }
        }
    }

    /// How many spurts back `replay` reaches: what the receiver keeps (`SpurtHistory.capacity`).
    public static let replayable = 10

    /// Every command, for help and errors.
    public static let summary = "talk on|off, talk on NAME, chat TEXT, kick NAME [MINUTES], mute NAME, unmute NAME, end NAME, mic on|off, mute on|off, volume NAME PERCENT, silence NAME on|off, replay [N] [fast], replays, history [N], stats, quit"

    /// Parses one line (see `summary`).
    /// Leading and trailing white space around the line is ignored; chat text is kept as typed.
    public static func parse(_ line: String) throws(ParseError) -> ScriptCommand {
        var rest = Substring(line)
        while rest.last?.isNewline == true { rest = rest.dropLast() }
        rest = rest.drop { $0 == " " || $0 == "\t" }
        guard !rest.isEmpty else { throw .empty }
        let word = rest.prefix { $0 != " " && $0 != "\t" }
        let argument = rest.dropFirst(word.count).dropFirst()
        let trimmedArgument = argument.trimmingSpaces
        switch word {
        case "talk":
            switch trimmedArgument {
            case "on": return .talk(true)
            case "off": return .talk(false)
            default:
                if trimmedArgument.hasPrefix("on "), case let name = trimmedArgument.dropFirst(3).trimmingSpaces,
                   Validation.isValidName(String(name)) {
                    return .talkTo(String(name))
                }
                throw .usage("talk on|off, or talk on NAME (to that member alone)")
            }
        case "mute", "deafen":
            switch trimmedArgument {
            case "on": return .mute(true)
            case "off": return .mute(false)
            default:
                if word == "mute", Validation.isValidName(String(trimmedArgument)) { return .op(.mute, name: String(trimmedArgument), minutes: 0) }
                throw .usage("\(word) on|off (the speakers)\(word == "mute" ? ", or mute NAME (an operator's)" : "")")
            }
        case "kick", "unmute", "end", "op":
            return try operatorCommand(word == "op" ? trimmedArgument : Substring(word + " ") + trimmedArgument)
        case "mic":
            switch trimmedArgument {
            case "on": return .mic(on: true)
            case "off": return .mic(on: false)
            default: throw .usage("mic on|off")
            }
        case "volume":
            // The name may hold spaces: the percentage is the last word.
            guard let space = trimmedArgument.lastIndex(where: { $0 == " " || $0 == "\t" }),
                  let percent = Int(trimmedArgument[trimmedArgument.index(after: space)...]),
                  SpeakerPreferences.volumeRange.contains(percent) else { throw .usage("volume NAME PERCENT (0 to 200)") }
            let name = trimmedArgument[..<space].trimmingSpaces
            guard !name.isEmpty else { throw .usage("volume NAME PERCENT (0 to 200)") }
            return .volume(name: String(name), percent: percent)
        case "silence":
            guard let space = trimmedArgument.lastIndex(where: { $0 == " " || $0 == "\t" }) else { throw .usage("silence NAME on|off") }
            let name = trimmedArgument[..<space].trimmingSpaces
            let on: Bool
            switch trimmedArgument[trimmedArgument.index(after: space)...] {
            case "on": on = true
            case "off": on = false
            default: throw .usage("silence NAME on|off")
            }
            guard !name.isEmpty else { throw .usage("silence NAME on|off") }
            return .silence(name: String(name), on: on)
        case "chat":
            guard Validation.isValidChat(String(argument)), !trimmedArgument.isEmpty else { throw .usage("chat TEXT (1 to 1000 characters)") }
            return .chat(String(argument))
        case "replay":
            var back = 1, fast = false
            for word in trimmedArgument.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                if word == "fast" { fast = true } else if let n = Int(word), (1...Self.replayable).contains(n) { back = n } else {
                    throw .usage("replay [N] [fast] (N from 1, the last, to \(Self.replayable))")
                }
            }
            return .replay(back: back, fast: fast)
        case "replays":
            guard trimmedArgument.isEmpty else { throw .usage("replays") }
            return .replays
        case "history":
            if trimmedArgument.isEmpty { return .history(HistoryMessage.defaultSpurts) }
            guard let n = Int(trimmedArgument), (1...HistoryMessage.maxSpurts).contains(n) else {
                throw .usage("history [N] (1 to \(HistoryMessage.maxSpurts) spurts, 5 if left out)")
            }
            return .history(n)
        case "stats":
            guard trimmedArgument.isEmpty else { throw .usage("stats") }
            return .stats
        case "quit", "exit":
            guard trimmedArgument.isEmpty else { throw .usage("quit") }
            return .quit
        default:
            throw .unknown(String(word))
        }
    }

    static let operatorUsage = "kick NAME [MINUTES], mute NAME, unmute NAME, end NAME (or op ACTION NAME [MINUTES])"

    /// `ACTION NAME [MINUTES]`: minutes only for kick (1 to 1440, default 5).
    static func operatorCommand(_ text: Substring) throws(ParseError) -> ScriptCommand {
        let verb = text.prefix { $0 != " " && $0 != "\t" }
        guard let action = OperatorAction(rawValue: String(verb)) else { throw .usage(operatorUsage) }
        if action == .history {
            let on = text.dropFirst(verb.count).trimmingSpaces
            guard on == "on" || on == "off" else { throw .usage("op history on|off (whether members may ask for the room's last spurts)") }
            return .op(.history, name: String(on), minutes: 0)
        }
        var name = text.dropFirst(verb.count).trimmingSpaces
        var minutes = action == .kick ? OperatorRequest.defaultMinutes : 0
        if action == .kick, let space = name.lastIndex(where: { $0 == " " || $0 == "\t" }), let m = Int(name[name.index(after: space)...]) {
            guard (1...OperatorRequest.maxMinutes).contains(m) else { throw .usage("kick NAME [MINUTES] (1 to \(OperatorRequest.maxMinutes))") }
            minutes = m
            name = name[..<space].trimmingSpaces
        }
        guard Validation.isValidName(String(name)) else { throw .usage(operatorUsage) }
        return .op(action, name: String(name), minutes: minutes)
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else { return "" }
        return self[first...last]
    }
}
