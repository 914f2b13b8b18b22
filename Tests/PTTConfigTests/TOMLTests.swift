import Testing
@testable import PTTConfig

@Suite struct TOMLTests {
    @Test func parsesTheSubset() throws {
        let t = try TOML.parse("""
        # relay settings
        bind = "127.0.0.1:7700"   # trailing comment
        max-rooms = 1_000
        negative = -3
        verbose = true
        token = [
          "abc",  # first
          'lit\\eral',
        ]
        escaped = "a\\"b\\u00e9"

        [rooms.standup]
        floor = "single"
        [rooms."odd.name"]
        max-talk-seconds = 30
        """)
        #expect(t.keys == ["bind", "max-rooms", "negative", "verbose", "token", "escaped", "rooms"])
        #expect(t["bind"] == .string("127.0.0.1:7700"))
        #expect(t["max-rooms"] == .integer(1000))
        #expect(t["negative"] == .integer(-3))
        #expect(t["verbose"] == .boolean(true))
        #expect(t["token"] == .array([.string("abc"), .string("lit\\eral")]))
        #expect(t["escaped"] == .string("a\"bé"))
        guard case .table(let rooms)? = t["rooms"], case .table(let standup)? = rooms["standup"], case .table(let odd)? = rooms["odd.name"] else {
            Issue.record("no rooms"); return
        }
        #expect(standup["floor"] == .string("single"))
        #expect(odd["max-talk-seconds"] == .integer(30))
        #expect(t.lines["bind"] == 2)
    }

    func error(_ text: String) -> TOMLError? {
        do { _ = try TOML.parse(text); return nil } catch { return error }
    }

    @Test func floatsAreKeptAsWritten() throws {
        let t = try TOML.parse("a = 150.0\nb = -2.5e1\nc = 1_000.25\nd = 3\n")
        #expect(t["a"] == .float("150.0") && t["b"] == .float("-2.5e1") && t["c"] == .float("1000.25") && t["d"] == .integer(3))
        for bad in ["x = inf", "x = nan", "x = 1.", "x = .5", "x = 1.2.3"] {
            #expect(throws: TOMLError.self, "\(bad)") { try TOML.parse(bad) }
        }
    }

    @Test func reportsErrorsWithLineNumbers() {
        #expect(error("a = 1\nb = \"open") == TOMLError(line: 2, message: "unterminated string"))
        #expect(error("a = 1\na = 2")?.line == 2)
        #expect(error("\n\nx = 1.5.5")?.line == 3)
        #expect(error("x = {a = 1}")?.message == "inline tables are not supported")
        #expect(error("[t]\n[t]")?.line == 2)
        #expect(error("x = 1 2")?.line == 1)
        #expect(error("= 3")?.line == 1)
        #expect(error("x = [\"a\",\n\"b\"")?.message == "unterminated array")
        #expect(error("[[t]]")?.message == "arrays of tables are not supported")
        #expect(error("x = 01") != nil)
    }
}
