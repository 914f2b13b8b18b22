import Testing
@testable import PTTProtocol

@Suite struct RelayURLTests {
    @Test func parsesBaseURLs() throws {
        let a = try RelayURL(parsing: "ws://127.0.0.1:7700")
        #expect(a == RelayURL(secure: false, host: "127.0.0.1", port: 7700))
        #expect(try a.url(room: "standup") == "ws://127.0.0.1:7700/standup")
        let b = try RelayURL(parsing: "wss://example.org/ptt/")
        #expect(b.port == 443 && b.basePath == "/ptt" && b.secure)
        #expect(try b.url(room: "x") == "wss://example.org/ptt/x")
        #expect(b.path(room: "x") == "/ptt/x")
        let c = try RelayURL(parsing: "ws://[::1]:9000?x=1")
        #expect(c.host == "::1" && c.port == 9000)
        #expect(c.description == "ws://[::1]:9000")
        #expect(try RelayURL(parsing: "https://h").secure)
    }

    @Test func rejectsBadURLsAndRooms() throws {
        #expect(throws: RelayURL.ParseError.scheme("ftp://x")) { try RelayURL(parsing: "ftp://x") }
        #expect(throws: RelayURL.ParseError.host) { try RelayURL(parsing: "ws://:80") }
        #expect(throws: RelayURL.ParseError.port("99999")) { try RelayURL(parsing: "ws://h:99999") }
        #expect(throws: RelayURL.ParseError.port("x")) { try RelayURL(parsing: "ws://h:x") }
        #expect(throws: RelayURL.ParseError.room("a b")) { try RelayURL(parsing: "ws://h").url(room: "a b") }
        #expect(RelayURL.ParseError.room("..").description.contains("invalid room"))
    }
}
