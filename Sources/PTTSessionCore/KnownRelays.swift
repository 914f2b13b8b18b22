import PTTProtocol

/// The relay certificates a user chose to trust by fingerprint, as ssh's `known_hosts` does.
///
/// One line per relay, `HOST:PORT SHA256-FINGERPRINT` (the fingerprint as 32 hex pairs joined
/// by `:`, upper case, as `openssl x509 -fingerprint -sha256` prints it); `#` starts a comment.
/// The shell keeps the file under the XDG state directory (`ptt trust` writes it). A relay with
/// an entry is trusted by that fingerprint alone (its certificate may be self-signed); a
/// different certificate there is refused loudly, never trusted anew by itself.
public struct KnownRelays: Equatable, Sendable {
    public private(set) var entries: [(address: String, fingerprint: String)] = []

    public init() {}

    public static func == (a: KnownRelays, b: KnownRelays) -> Bool {
        a.entries.elementsEqual(b.entries) { $0.address == $1.address && $0.fingerprint == $1.fingerprint }
    }

    /// `host:port` as entries name it (IPv6 hosts in brackets).
    public static func address(host: String, port: Int) -> String {
        (host.contains(":") ? "[\(host)]" : host.lowercased()) + ":\(port)"
    }

    public func fingerprint(for address: String) -> String? {
        entries.last { $0.address == address }?.fingerprint
    }

    public mutating func trust(_ fingerprint: String, for address: String) {
        entries.removeAll { $0.address == address }
        entries.append((address, fingerprint))
    }

    /// SHA-256 digest bytes as a fingerprint: `AB:CD:…`.
    public static func format(_ digest: some Sequence<UInt8>) -> String { CertificateFingerprint.format(digest) }

    /// A fingerprint as typed (`AB:CD…`, `abcd…`, with or without `SHA256:`), normalised; nil
    /// unless it is 32 bytes of hex.
    public static func normalise(_ text: String) -> String? {
        var t = Substring(text)
        if t.lowercased().hasPrefix("sha256:") { t = t.dropFirst(7) } else if t.lowercased().hasPrefix("sha256=") { t = t.dropFirst(7) }
        let digits = t.filter { $0 != ":" }.uppercased()
        guard digits.count == 64, digits.allSatisfy({ $0.isHexDigit }) else { return nil }
        var bytes: [UInt8] = []
        var i = digits.startIndex
        while i < digits.endIndex {
            let j = digits.index(i, offsetBy: 2)
            bytes.append(UInt8(digits[i..<j], radix: 16)!)
            i = j
        }
        return format(bytes)
    }

    public var text: String {
        "# Relays trusted by certificate fingerprint (ptt trust). HOST:PORT SHA-256\n"
            + entries.map { "\($0.address) \($0.fingerprint)\n" }.joined()
    }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var line: Int
        public var description: String { "line \(line) is not HOST:PORT FINGERPRINT" }
    }

    public static func parse(_ text: String) throws(ParseError) -> KnownRelays {
        var known = KnownRelays()
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingSpaces
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count == 2, parts[0].contains(":"), let fingerprint = normalise(String(parts[1])) else {
                throw ParseError(line: n + 1)
            }
            known.trust(fingerprint, for: String(parts[0]))
        }
        return known
    }
}
