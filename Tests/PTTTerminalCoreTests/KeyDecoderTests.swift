import Testing
@testable import PTTTerminalCore

@Suite struct KeyDecoderTests {
    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
    static let esc = "\u{1B}"

    /// Every sequence with the item it must decode to.
    static let cases: [(String, TerminalInput)] = [
        ("a", .key(KeyEvent(.character("a")))),
        (" ", .key(KeyEvent(.character(" ")))),
        ("é", .key(KeyEvent(.character("é")))),
        ("日", .key(KeyEvent(.character("日")))),
        ("🎙", .key(KeyEvent(.character("🎙")))),
        ("\r", .key(KeyEvent(.enter))),
        ("\n", .key(KeyEvent(.enter))),
        ("\u{7F}", .key(KeyEvent(.backspace))),
        ("\u{08}", .key(KeyEvent(.backspace))),
        ("\t", .key(KeyEvent(.tab))),
        ("\u{03}", .key(KeyEvent(.character("c"), modifiers: .ctrl))),
        (esc + "[A", .key(KeyEvent(.up))),
        (esc + "[B", .key(KeyEvent(.down))),
        (esc + "[C", .key(KeyEvent(.right))),
        (esc + "[D", .key(KeyEvent(.left))),
        (esc + "OA", .key(KeyEvent(.up))),
        (esc + "OH", .key(KeyEvent(.home))),
        (esc + "[H", .key(KeyEvent(.home))),
        (esc + "[F", .key(KeyEvent(.end))),
        (esc + "[3~", .key(KeyEvent(.delete))),
        (esc + "[1;5D", .key(KeyEvent(.left, modifiers: .ctrl))),
        (esc + "[15~", .key(KeyEvent(.function(5)))),
        (esc + "a", .key(KeyEvent(.character("a"), modifiers: .alt))),
        // kitty keyboard protocol
        (esc + "[32u", .key(KeyEvent(.character(" "), kind: .press, isKitty: true))),
        (esc + "[32;1:1u", .key(KeyEvent(.character(" "), kind: .press, isKitty: true))),
        (esc + "[32;1:2u", .key(KeyEvent(.character(" "), kind: .repeat, isKitty: true))),
        (esc + "[32;1:3u", .key(KeyEvent(.character(" "), kind: .release, isKitty: true))),
        (esc + "[113u", .key(KeyEvent(.character("q"), isKitty: true))),
        (esc + "[99;5u", .key(KeyEvent(.character("c"), modifiers: .ctrl, isKitty: true))),
        (esc + "[13u", .key(KeyEvent(.enter, isKitty: true))),
        (esc + "[27u", .key(KeyEvent(.escape, isKitty: true))),
        (esc + "[127u", .key(KeyEvent(.backspace, isKitty: true))),
        (esc + "[97;2u", .key(KeyEvent(.character("A"), modifiers: .shift, isKitty: true))),
        (esc + "[47;2u", .key(KeyEvent(.character("?"), modifiers: .shift, isKitty: true))),
        (esc + "[47:63;2u", .key(KeyEvent(.character("?"), modifiers: .shift, isKitty: true))),
        (esc + "[97;2;65u", .key(KeyEvent(.character("A"), modifiers: .shift, isKitty: true))),
        (esc + "[97;;97u", .key(KeyEvent(.character("a"), isKitty: true))), // flag 16: text reported
        (esc + "[32;;32u", .key(KeyEvent(.character(" "), isKitty: true))),
        (esc + "[101;;233u", .key(KeyEvent(.character("é"), isKitty: true))), // composed text wins
        (esc + "[97;65u", .key(KeyEvent(.character("a"), modifiers: .capsLock, isKitty: true))),
        (esc + "[1;1:3A", .key(KeyEvent(.up, kind: .release, isKitty: true))),
        (esc + "[3;1:2~", .key(KeyEvent(.delete, kind: .repeat, isKitty: true))),
        // detection replies
        (esc + "[?11u", .kittyFlags(11)),
        (esc + "[?0u", .kittyFlags(0)),
        (esc + "[?62;22c", .deviceAttributes),
        (esc + "[?1;2c", .deviceAttributes),
    ]

    @Test func decodesEverySequence() {
        for (input, expected) in Self.cases {
            var d = KeyDecoder()
            let out = d.feed(Self.bytes(input), now: 0)
            #expect(out == [expected], "input \(Array(input.utf8))")
            #expect(!d.isPending)
        }
    }

    @Test func decodesSplitAtEveryByteBoundary() {
        for (input, expected) in Self.cases {
            let b = Self.bytes(input)
            for cut in 0...b.count {
                var d = KeyDecoder()
                let out = d.feed(b[..<cut], now: 0) + d.feed(b[cut...], now: 1_000_000)
                #expect(out == [expected], "input \(b) cut at \(cut)")
            }
            // one byte per read
            var d = KeyDecoder()
            var out: [TerminalInput] = []
            for (i, x) in b.enumerated() { out += d.feed([x], now: UInt64(i) * 1_000_000) }
            #expect(out == [expected], "input \(b) byte by byte")
        }
    }

    @Test func decodesAllSequencesConcatenated() {
        let all = Self.cases.filter { !$0.0.hasPrefix(Self.esc) || $0.0.count > 2 || $0.0 == Self.esc + "a" }
        var joined: [UInt8] = []
        for (s, _) in all { joined += Self.bytes(s) }
        var d = KeyDecoder()
        #expect(d.feed(joined, now: 0) == all.map(\.1))
    }

    @Test func loneEscapeResolvesAfterTimeout() {
        var d = KeyDecoder(escapeTimeout: 50_000_000)
        #expect(d.feed([0x1B], now: 1_000).isEmpty)
        #expect(d.deadline == 50_001_000)
        #expect(d.expire(now: 40_000_000).isEmpty)
        #expect(d.expire(now: 50_001_000) == [.key(KeyEvent(.escape))])
        #expect(d.deadline == nil)
        #expect(!d.isPending)
        // Esc Esc: the first is a key at once, the second waits.
        #expect(d.feed([0x1B, 0x1B], now: 0) == [.key(KeyEvent(.escape))])
        #expect(d.expire(now: 60_000_000) == [.key(KeyEvent(.escape))])
    }

    @Test func lateBytesStillContinueASequence() {
        var d = KeyDecoder()
        #expect(d.feed([0x1B], now: 0).isEmpty)
        #expect(d.feed(Self.bytes("[32;1:3u"), now: 40_000_000) == [.key(KeyEvent(.character(" "), kind: .release, isKitty: true))])
    }

    @Test func unfinishedSequenceIsDroppedOnExpiry() {
        var d = KeyDecoder()
        #expect(d.feed(Self.bytes(Self.esc + "[32;1"), now: 0).isEmpty)
        #expect(d.expire(now: 100_000_000).isEmpty)
        #expect(d.feed(Self.bytes("x"), now: 100_000_000) == [.key(KeyEvent(.character("x")))])
    }

    @Test func skipsUnknownAndOverlongSequences() {
        var d = KeyDecoder()
        let junk = Self.esc + "[" + String(repeating: "1;", count: 100) + "u" + "z"
        #expect(d.feed(Self.bytes(junk), now: 0) == [.key(KeyEvent(.character("z")))])
        #expect(d.feed(Self.bytes(Self.esc + "[12;5x" + "y"), now: 0) == [.key(KeyEvent(.character("y")))])
        #expect(d.feed(Self.bytes(Self.esc + "[57441;2u"), now: 0).isEmpty) // lone left shift
        #expect(d.feed(Self.bytes(Self.esc + "[99999999999u"), now: 0).isEmpty)
    }

    @Test func dropsInvalidUTF8() {
        var d = KeyDecoder()
        #expect(d.feed([0xFF, 0x80, 0xC3, 0x41], now: 0) == [.key(KeyEvent(.character("A")))])
        #expect(d.feed([0xC0, 0xAF], now: 0).isEmpty) // overlong
        #expect(d.feed([0xED, 0xA0, 0x80], now: 0).isEmpty) // surrogate
    }

    @Test func recognisesKittyReplyBeforeDA1() {
        var d = KeyDecoder()
        let reply = Self.bytes(Self.esc + "[?11u" + Self.esc + "[?62;4c")
        #expect(d.feed(reply, now: 0) == [.kittyFlags(11), .deviceAttributes])
    }

    @Test func spaceAndCtrlCHelpers() {
        #expect(KeyEvent(.character(" ")).isSpace)
        #expect(KeyEvent(.character(" "), modifiers: [.capsLock, .shift]).isSpace)
        #expect(!KeyEvent(.character(" "), modifiers: .ctrl).isSpace)
        #expect(KeyEvent(.character("c"), modifiers: [.ctrl, .numLock]).isCtrlC)
        #expect(!KeyEvent(.character("c")).isCtrlC)
    }
}
