/// The version of ptt, as `hello.agent` and `--version` show it.
public enum PTTVersion {
    public static let string = "0.1.0"
    /// `ptt/0.1.0`, the client's `agent`.
    public static let clientAgent = "ptt/\(string)"
    /// `ptt-relay/0.1.0`, the relay's `agent`.
    public static let relayAgent = "ptt-relay/\(string)"
}
