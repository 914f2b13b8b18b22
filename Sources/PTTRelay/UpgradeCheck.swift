import PTTProtocol
import PTTRelayCore

/// The decision on a WebSocket upgrade request (PROTOCOL.md §1): pure, tested directly.
enum UpgradeCheck {
    static let subprotocol = "ptt.v1"

    enum Decision: Equatable {
        /// `op`: the token presented is an operator token.
        case accept(room: String, op: Bool)
        case refuse(status: Int, headers: [(String, String)], why: String)

        static func == (a: Decision, b: Decision) -> Bool {
            switch (a, b) {
            case (.accept(let x, let o), .accept(let y, let p)): return x == y && o == p
            case (.refuse(let s, let h, let w), .refuse(let t, let k, let v)):
                return s == t && w == v && h.map { "\($0.0):\($0.1)" } == k.map { "\($0.0):\($0.1)" }
            default: return false
            }
        }
    }

    static func decide(authorization: String?, protocols: [String], path: String, tokens: [String],
                       operatorTokens: [String] = [], connections: Int, maxConnections: Int) -> Decision {
        // An operator token also lets its holder in where tokens are required.
        let op = !operatorTokens.isEmpty && bearerToken(authorization).map { ConstantTime.matchesAny($0, operatorTokens) } == true
        if !tokens.isEmpty, !op {
            guard let presented = bearerToken(authorization), ConstantTime.matchesAny(presented, tokens) else {
                return .refuse(status: 401, headers: [("WWW-Authenticate", "Bearer")], why: authorization == nil ? "missing token" : "wrong token")
            }
        }
        let offered = protocols.flatMap { $0.split(separator: ",") }.map { $0.trimmed(" \t") }
        guard offered.contains(subprotocol) else {
            return .refuse(status: 400, headers: [], why: "subprotocol \(subprotocol) not offered")
        }
        guard let room = Validation.room(fromRequestPath: path) else {
            return .refuse(status: 400, headers: [], why: "not a room path")
        }
        // A hard cap well above the member limit (checked at hello, 4413) keeps memory bounded.
        guard connections < maxConnections * 2 + 16 else {
            return .refuse(status: 503, headers: [("Retry-After", "10")], why: "too many connections")
        }
        return .accept(room: room, op: op)
    }

    /// The token of `Authorization: Bearer <token>` (scheme case-insensitive).
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmed(" \t")
        return token.isEmpty ? nil : token
    }
}

extension StringProtocol {
    func trimmed(_ set: String) -> String {
        let s = Substring(self).drop { set.contains($0) }
        return String(s.reversed().drop { set.contains($0) }.reversed())
    }
}
