import Testing
@testable import PTTConfig
@testable import PTTRelayCore

@Suite struct RelaySettingsTests {
    @Test func defaults() {
        let s = RelaySettings()
        #expect(s.host == "0.0.0.0" && s.port == 7700)
        #expect(s.floor == .open && s.maxTalkNanos(for: "x") == nil)
    }

    @Test func fileThenEnvironmentThenFlags() throws {
        var s = RelaySettings()
        try s.applyFile("""
        bind = "127.0.0.1:9000"
        floor = "single"
        max_talk_seconds = 20
        token = ["one", "two"]
        [rooms.radio]
        floor = "open"
        max-talk-seconds = 5
        """, path: "relay.toml")
        #expect(s.port == 9000 && s.floor == .single && s.tokens == ["one", "two"])
        #expect(s.floor(for: "radio") == .open && s.floor(for: "other") == .single)
        #expect(s.maxTalkNanos(for: "radio") == 5_000_000_000 && s.maxTalkNanos(for: "x") == 20_000_000_000)
        try s.applyEnvironment(["PTT_RELAY_BIND": "[::1]:9001", "HOME": "/root", "PTT_RELAY_MAX_ROOMS": "7"])
        #expect(s.host == "::1" && s.port == 9001 && s.maxRooms == 7)
        try s.apply("bind", .text(":0"), origin: .flag("--bind"))
        #expect(s.host == "0.0.0.0" && s.port == 0)
    }

    @Test func limitsPerAddress() throws {
        var s = RelaySettings()
        #expect(s.addresses.maxConnections == 64 && s.addresses.maxPending == 16)
        #expect(s.addresses.binaryRate == 500 && s.addresses.textRate == 100 && s.addresses.exemptLoopback)
        try s.applyFile("max-connections-per-address = 8\naddress_frame_rate = 0", path: "relay.toml")
        try s.applyEnvironment(["PTT_RELAY_MAX_PENDING_PER_ADDRESS": "2"])
        try s.apply("address-text-rate", .integer(30), origin: .flag("--address-text-rate"))
        #expect(s.addresses.maxConnections == 8 && s.addresses.maxPending == 2)
        #expect(s.addresses.binaryRate == 0 && s.addresses.textRate == 30)
        #expect(throws: ConfigError.self) { try s.apply("max-pending-per-address", .integer(-1), origin: .flag("--max-pending-per-address")) }
        // Loopback is limited too only when asked: a flag, a file's boolean, or the environment.
        try s.apply("limit-loopback", .boolean(true), origin: .flag("--limit-loopback"))
        #expect(!s.addresses.exemptLoopback)
        try s.applyFile("limit_loopback = false", path: "relay.toml")
        #expect(s.addresses.exemptLoopback)
        try s.applyEnvironment(["PTT_RELAY_LIMIT_LOOPBACK": "1"])
        #expect(!s.addresses.exemptLoopback)
        #expect(failure { try $0.applyEnvironment(["PTT_RELAY_LIMIT_LOOPBACK": "maybe"]) } == "PTT_RELAY_LIMIT_LOOPBACK: 'maybe' is not true or false")
        #expect(failure { try $0.apply("max-rooms", .boolean(true), origin: .flag("--max-rooms")) } == "--max-rooms: max-rooms cannot be a boolean")
    }

    func failure(_ body: (inout RelaySettings) throws -> Void) -> String? {
        var s = RelaySettings()
        do { try body(&s); return nil } catch { return (error as? ConfigError)?.message ?? "\(error)" }
    }

    @Test func clearErrors() {
        let cases: [(String?, (inout RelaySettings) throws -> Void)] = [
            ("--bind: expected HOST:PORT, got 'localhost'", { try $0.apply("bind", .text("localhost"), origin: .flag("--bind")) }),
            ("--bind: '70000' is not a port (0 to 65535)", { try $0.apply("bind", .text("h:70000"), origin: .flag("--bind")) }),
            ("--floor: floor must be open or single, not 'loud'", { try $0.apply("floor", .text("loud"), origin: .flag("--floor")) }),
            ("PTT_RELAY_MAX_ROOMS: 'many' is not an integer", { try $0.apply("max-rooms", .text("many"), origin: .environment("PTT_RELAY_MAX_ROOMS")) }),
            ("r.toml line 2: unknown setting 'bogus'", { try $0.applyFile("floor = \"open\"\nbogus = 1", path: "r.toml") }),
            ("r.toml: line 1: expected a value at the end of the file", { try $0.applyFile("x = ", path: "r.toml") }),
            ("r.toml line 1: 'a b' is not a valid room name", { try $0.applyFile("[rooms.\"a b\"]\nfloor = \"open\"", path: "r.toml") }),
            ("PTT_RELAY_COLOUR: unknown setting", { try $0.applyEnvironment(["PTT_RELAY_COLOUR": "red"]) }),
            ("--token: a token is 1 to 1024 printable ASCII characters without spaces", { try $0.apply("token", .list(["has space"]), origin: .flag("--token")) }),
            ("--log-level: log level 'loud' is not one of trace, debug, info, notice, warning, error, critical", { try $0.apply("log-level", .text("loud"), origin: .flag("--log-level")) }),
            ("--tls-cert and --tls-key go together: give both or neither", { $0.tlsCert = "c.pem"; try $0.validate() }),
            ("--max-rooms: 0 is out of range 1...1000000", { try $0.apply("max-rooms", .integer(0), origin: .flag("--max-rooms")) }),
        ]
        for (expected, body) in cases {
            let got = failure(body)
            #expect(got == expected)
        }
    }

    @Test func tokenFiles() throws {
        var s = RelaySettings()
        try s.addTokens(fromFile: "# tokens\nabc\n\n  def  \n", path: "t")
        var empty = RelaySettings()
        #expect(throws: ConfigError("/etc/t holds no token (one per line): the relay would be open to anyone")) {
            try empty.addTokens(fromFile: "# none yet\n\n", path: "/etc/t")
        }
        #expect(s.tokens == ["abc", "def"])
    }
}
