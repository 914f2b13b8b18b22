import PTTProtocol

/// A command read from standard input in `ptt join --json` mode, one per line.
public enum ScriptCommand: Equatable, Sendable {
    case talk(Bool)
    case chat(String)
    case mute(Bool)
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
            case .unknown(let c): return "unknown command '\(c)': use talk on|off, chat TEXT, mute on|off, stats, quit"
            case .usage(let u): return "usage: \(u)"
            }
        }
    }

    /// Parses one line: `talk on`, `talk off`, `chat TEXT`, `mute on|off`, `stats`, `quit`.
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
            default: throw .usage("talk on|off")
            }
        case "mute":
            switch trimmedArgument {
            case "on": return .mute(true)
            case "off": return .mute(false)
            default: throw .usage("mute on|off")
            }
        case "chat":
            guard Validation.isValidChat(String(argument)), !trimmedArgument.isEmpty else { throw .usage("chat TEXT (1 to 1000 characters)") }
            return .chat(String(argument))
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
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else { return "" }
        return self[first...last]
    }
}
