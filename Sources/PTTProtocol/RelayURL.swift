/// A relay base URL plus a room: what a client connects to.
public struct RelayURL: Equatable, Sendable, CustomStringConvertible {
    public var secure: Bool
    public var host: String
    public var port: Int
    /// Base path without a trailing slash: "" or "/ptt".
    public var basePath: String

    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case scheme(String)
        case host
        case port(String)
        case room(String)

        public var description: String {
            switch self {
            case .scheme(let s): return "relay URL must start with ws:// or wss:// (got '\(s)')"
            case .host: return "relay URL has no host"
            case .port(let p): return "relay URL has an invalid port '\(p)'"
            case .room(let r): return "invalid room '\(r)': use 1 to 64 of A-Z a-z 0-9 . _ ~ - (not . or ..)"
            }
        }
    }

    /// Parses `ws://host[:port][/base]` or `wss://…`; `http(s)://` are accepted as aliases.
    public init(parsing text: String) throws(ParseError) {
        let schemes: [(String, Bool)] = [("ws://", false), ("wss://", true), ("http://", false), ("https://", true)]
        guard let (prefix, secure) = schemes.first(where: { text.lowercased().hasPrefix($0.0) }) else {
            throw .scheme(text)
        }
        self.secure = secure
        var rest = Substring(text.dropFirst(prefix.count))
        if let q = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<q] }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<slash]
        var path = String(rest[slash...])
        while path.hasSuffix("/") { path.removeLast() }
        basePath = path
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .host }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { throw .host }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else {
            host = String(authority)
        }
        guard !host.isEmpty else { throw .host }
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else { throw .port(String(portText)) }
            port = p
        } else {
            port = secure ? 443 : 80
        }
    }

    public init(secure: Bool, host: String, port: Int, basePath: String = "") {
        self.secure = secure
        self.host = host
        self.port = port
        self.basePath = basePath
    }

    /// The full URL of a room, checked against the room rules.
    public func url(room: String) throws(ParseError) -> String {
        guard Validation.isValidRoom(room) else { throw .room(room) }
        return "\(self)/\(room)"
    }

    /// The request path of a room: base path plus the room.
    public func path(room: String) -> String { "\(basePath)/\(room)" }

    public var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        let defaultPort = secure ? 443 : 80
        return "\(secure ? "wss" : "ws")://\(h)\(port == defaultPort ? "" : ":\(port)")\(basePath)"
    }
}
