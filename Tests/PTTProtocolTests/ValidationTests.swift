import Testing
@testable import PTTProtocol

@Suite struct ValidationTests {
    @Test(arguments: ["standup", "a", "A-Z.a_z~0-9", String(repeating: "r", count: 64), "...", ".a"])
    func acceptsRooms(_ room: String) {
        #expect(Validation.isValidRoom(room))
    }

    @Test(arguments: ["", ".", "..", String(repeating: "r", count: 65), "a b", "a/b", "é", "a%", "a+b", "a?"])
    func rejectsRooms(_ room: String) {
        #expect(!Validation.isValidRoom(room))
    }

    @Test func percentDecodesPathSegments() {
        #expect(Validation.room(fromPathSegment: "%61bc") == "abc")
        #expect(Validation.room(fromPathSegment: "%2e") == nil)
        #expect(Validation.room(fromPathSegment: "%2E%2E") == nil)
        #expect(Validation.room(fromPathSegment: "a%2Fb") == nil)
        #expect(Validation.room(fromPathSegment: "%6") == nil)
        #expect(Validation.room(fromPathSegment: "%zz") == nil)
        #expect(Validation.room(fromPathSegment: "%C3%A9") == nil)
    }

    @Test func extractsRoomFromRequestPath() {
        #expect(Validation.room(fromRequestPath: "/standup") == "standup")
        #expect(Validation.room(fromRequestPath: "/standup?x=1&y=2") == "standup")
        #expect(Validation.room(fromRequestPath: "/ptt/standup", basePath: "/ptt") == "standup")
        #expect(Validation.room(fromRequestPath: "/ptt/standup", basePath: "/ptt/") == "standup")
        #expect(Validation.room(fromRequestPath: "/") == nil)
        #expect(Validation.room(fromRequestPath: "/standup/") == nil)
        #expect(Validation.room(fromRequestPath: "/a/b") == nil)
        #expect(Validation.room(fromRequestPath: "standup") == nil)
        #expect(Validation.room(fromRequestPath: "/other/standup", basePath: "/ptt") == nil)
        #expect(Validation.room(fromRequestPath: "/" + String(repeating: "x", count: 65)) == nil)
    }

    @Test(arguments: ["alice", "Bob Smith", "Zoë", "日本語", "🎙️ mic", String(repeating: "n", count: 32)])
    func acceptsNames(_ name: String) {
        #expect(Validation.isValidName(name))
    }

    @Test(arguments: ["", " alice", "alice ", "\talice", "al\nice", "a\u{200B}b", "a\u{2028}b", "a\u{2029}b",
                      "a\u{7}b", "\u{A0}x", "x\u{3000}", String(repeating: "n", count: 33),
                      // Invisible alone: fillers, a braille blank, a variation selector.
                      "\u{3164}", "\u{2800}", "\u{115F}\u{1160}", "\u{FFA0}", "\u{FE0F}", "\u{3164}\u{2800}\u{3164}"])
    func rejectsNames(_ name: String) {
        #expect(!Validation.isValidName(name))
    }

    /// Same name: case-insensitive, invisible characters removed, after the normaliser given
    /// (identity here: NFKC is the relay's, tested there).
    @Test func nameSkeletons() {
        #expect(Validation.nameSkeleton("Alice") == "alice")
        #expect(Validation.nameSkeleton("ALICE\u{3164}") == "alice")
        #expect(Validation.nameSkeleton("al\u{2800}ice\u{FE0F}") == "alice")
        #expect(Validation.nameSkeleton("Zoë") == Validation.nameSkeleton("ZOË"))
        #expect(Validation.nameSkeleton("alice bob") != Validation.nameSkeleton("alicebob"))
        // A normaliser is applied before and after lowercasing.
        let fullWidth: (String) -> String = { String(String.UnicodeScalarView($0.unicodeScalars.map {
            (0xFF21...0xFF3A).contains($0.value) ? Unicode.Scalar($0.value - 0xFF21 + 0x41)! : $0 })) }
        #expect(Validation.nameSkeleton("ＡＬＩＣＥ", normalize: fullWidth) == "alice")
    }

    @Test func suggestsAFreeName() {
        let taken: Set<String> = ["alice", "alice2", "alice3"]
        #expect(Validation.suggestName(for: "Alice") { taken.contains($0) } == "Alice4")
        #expect(Validation.suggestName(for: "bob") { taken.contains($0) } == "bob")
        let long = String(repeating: "n", count: 32)
        let s = Validation.suggestName(for: long) { $0 == long }
        #expect(s == String(repeating: "n", count: 31) + "2" && Validation.isValidName(s))
        #expect(Validation.suggestName(for: "bob\u{3164}") { $0 == "bob" } == "bob2")
    }

    @Test func countsCharactersAsScalars() {
        // 32 scalars, many more bytes: valid.
        #expect(Validation.isValidName(String(repeating: "é", count: 32)))
        #expect(Validation.isValidChat(String(repeating: "é", count: 1000)))
        #expect(!Validation.isValidChat(String(repeating: "e", count: 1001)))
        #expect(!Validation.isValidChat(""))
        #expect(Validation.isValidAgent(String(repeating: "a", count: 64)))
        #expect(!Validation.isValidAgent(String(repeating: "a", count: 65)))
    }

    @Test func checksIDs() {
        #expect(!Validation.isValidID(0))
        #expect(Validation.isValidID(1))
        #expect(Validation.isValidID(4_294_967_295))
        #expect(!Validation.isValidID(4_294_967_296))
        #expect(!Validation.isValidID(-1))
    }
}
