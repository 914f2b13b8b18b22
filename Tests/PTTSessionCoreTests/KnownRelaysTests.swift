import Testing
@testable import PTTSessionCore

@Suite struct KnownRelaysTests {
    static let fp = (0..<32).map { _ in "AB" }.joined(separator: ":")

    @Test func fingerprintsAreNormalisedAsTyped() {
        #expect(KnownRelays.normalise(Self.fp) == Self.fp)
        #expect(KnownRelays.normalise(String(repeating: "ab", count: 32)) == Self.fp)
        #expect(KnownRelays.normalise("SHA256:" + Self.fp.lowercased()) == Self.fp)
        #expect(KnownRelays.normalise("sha256=" + Self.fp) == Self.fp)
        #expect(KnownRelays.normalise(String(repeating: "ab", count: 31)) == nil)
        #expect(KnownRelays.normalise(String(repeating: "zz", count: 32)) == nil)
        #expect(KnownRelays.format([0x00, 0x0F, 0xF0, 0xFF]) == "00:0F:F0:FF")
    }

    @Test func theFileRoundTripsAndBadLinesAreNamed() throws {
        var k = KnownRelays()
        k.trust(Self.fp, for: KnownRelays.address(host: "Relay.Example", port: 443))
        k.trust(Self.fp, for: KnownRelays.address(host: "::1", port: 7700))
        #expect(k.fingerprint(for: "relay.example:443") == Self.fp && k.fingerprint(for: "[::1]:7700") == Self.fp)
        let back = try KnownRelays.parse(k.text)
        #expect(back == k)
        // Trusting again replaces.
        let other = KnownRelays.format([UInt8](repeating: 1, count: 32))
        k.trust(other, for: "relay.example:443")
        #expect(k.fingerprint(for: "relay.example:443") == other && k.entries.count == 2)
        #expect(throws: KnownRelays.ParseError(line: 2)) { try KnownRelays.parse("# comment\nrelay.example:443 nothex\n") }
        #expect(throws: KnownRelays.ParseError(line: 1)) { try KnownRelays.parse("no-port \(Self.fp)") }
    }
}
