import Glibc
import PTTSessionCore
import PTTSystem
import Synchronization

/// The per-person volume and mute (`SpeakerPreferences`) with its file:
/// `$XDG_STATE_HOME/ptt/speakers.json`, else `~/.local/state/ptt/speakers.json`. Read once when
/// a call starts, written whole (replaced, never half-written) on every change. A file that
/// cannot be read as settings is left alone and nothing is saved over it during the call:
/// `problem` says why, for the screen.
final class SpeakerMemory: Sendable {
    let path: String?
    private let state: Mutex<(preferences: SpeakerPreferences, writable: Bool)>
    let problem: String?

    static let limit = 1 << 20

    init(path: String?) {
        self.path = path
        var preferences = SpeakerPreferences()
        var problem: String?
        var writable = path != nil
        if let path {
            do {
                preferences = try SpeakerPreferences.parse(try Posix.readFile(path, limit: Self.limit))
            } catch let error as PosixError where error.errno == .noSuchFileOrDirectory {
                // Nothing remembered yet.
            } catch {
                problem = "speaker settings in \(path) not used (\(error)); changes are not saved this call"
                writable = false
            }
        }
        self.problem = problem
        state = Mutex((preferences, writable))
    }

    /// Where the file is, from the environment; nil without HOME or XDG_STATE_HOME.
    static func defaultPath(_ environment: [String: String] = Environment.variables()) -> String? {
        if let x = environment["XDG_STATE_HOME"], x.hasPrefix("/") { return x + "/ptt/speakers.json" }
        if let h = environment["HOME"], !h.isEmpty { return h + "/.local/state/ptt/speakers.json" }
        return nil
    }

    subscript(name: String) -> SpeakerPreferences.Setting { state.withLock { $0.preferences[name] } }

    /// Changes `name`'s setting with `change` and saves; returns the new setting and, when the
    /// file could not be written, why.
    func update(_ name: String, _ change: (inout SpeakerPreferences) -> SpeakerPreferences.Setting) -> (SpeakerPreferences.Setting, String?) {
        let (setting, text, writable) = state.withLock { s in (change(&s.preferences), s.preferences.json, s.writable) }
        guard writable, let path else { return (setting, nil) }
        do {
            if let slash = path.lastIndex(of: "/") { try Posix.makeDirectories(String(path[..<slash]), mode: 0o700) }
            try Posix.replaceFile(path, with: Array(text.utf8), mode: 0o600)
            return (setting, nil)
        } catch {
            return (setting, "could not save speaker settings to \(path): \(error.reason)")
        }
    }
}
