import Glibc
import PTTSessionCore
import PTTSystem

/// `KnownRelays` in its file: `$XDG_STATE_HOME/ptt/known_relays`, else
/// `~/.local/state/ptt/known_relays`. Read when connecting to a `wss://` relay; written by
/// `ptt trust`, whole (replaced, never half-written), readable by its owner only.
enum KnownRelaysFile {
    static func path(_ environment: [String: String] = Environment.variables()) -> String? {
        if let x = environment["XDG_STATE_HOME"], x.hasPrefix("/") { return x + "/ptt/known_relays" }
        if let h = environment["HOME"], !h.isEmpty { return h + "/.local/state/ptt/known_relays" }
        return nil
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The entries; none when there is no file yet.
    static func load(_ path: String) throws(Failure) -> KnownRelays {
        let bytes: [UInt8]
        do {
            bytes = try Posix.readFile(path, limit: 1 << 20)
        } catch {
            if error.errno == .noSuchFileOrDirectory { return KnownRelays() }
            throw Failure(description: "cannot read \(path): \(error.reason)")
        }
        do {
            return try KnownRelays.parse(String(decoding: bytes, as: UTF8.self))
        } catch {
            throw Failure(description: "\(path): \(error) (fix or remove that line)")
        }
    }

    static func save(_ known: KnownRelays, to path: String) throws(Failure) {
        do {
            if let slash = path.lastIndex(of: "/") { try Posix.makeDirectories(String(path[..<slash]), mode: 0o700) }
            try Posix.replaceFile(path, with: Array(known.text.utf8), mode: 0o600)
        } catch {
            throw Failure(description: "cannot write \(path): \(error.reason)")
        }
    }
}
