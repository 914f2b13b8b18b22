import Glibc

/// This process's environment variables, read once where a command starts: the client's
/// `PTT_*` defaults and the relay's `PTT_RELAY_*` settings come from here.
public enum Environment {
    /// Every variable, by name (`environ`, as the process was started).
    public static func variables() -> [String: String] {
        var variables: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { variables[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return variables
    }
}
