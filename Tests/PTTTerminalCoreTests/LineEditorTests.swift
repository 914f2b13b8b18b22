import Testing
@testable import PTTTerminalCore

@Suite struct LineEditorTests {
    static func press(_ e: inout LineEditor, _ keys: [KeyEvent.Key]) -> LineEditor.Outcome {
        var last = LineEditor.Outcome.editing
        for k in keys { last = e.handle(KeyEvent(k)) }
        return last
    }

    @Test func insertsAndMovesTheCursor() {
        var e = LineEditor()
        _ = Self.press(&e, "helo".map { .character($0) })
        #expect(e.text == "helo" && e.cursor == 4)
        _ = Self.press(&e, [.left, .character("l")])
        #expect(e.text == "hello" && e.cursor == 4)
        _ = Self.press(&e, [.home, .character(">"), .end, .character("!")])
        #expect(e.text == ">hello!")
        _ = Self.press(&e, [.left, .left, .left, .left, .left, .left, .left, .left, .left, .backspace])
        #expect(e.text == ">hello!" && e.cursor == 0)
        _ = Self.press(&e, [.delete, .right, .right, .right, .right, .right, .right, .right, .backspace])
        #expect(e.text == "hello" && e.cursor == 5)
    }

    @Test func enterSendsEscCancels() {
        var e = LineEditor(text: "hi there")
        #expect(e.handle(KeyEvent(.enter)) == .submit("hi there"))
        #expect(e.handle(KeyEvent(.escape)) == .cancel)
        var empty = LineEditor()
        #expect(empty.handle(KeyEvent(.enter)) == .cancel)
    }

    @Test func limitsTo1000Characters() {
        var e = LineEditor(text: String(repeating: "x", count: 1200))
        #expect(e.scalars.count == 1000)
        #expect(e.insert("y") == false)
        e.backspace()
        #expect(e.insert("é") == true)
        #expect(e.insert("z") == false)
        #expect(e.text.unicodeScalars.count == 1000)
    }

    @Test func ignoresControlsReleasesAndAltKeys() {
        var e = LineEditor()
        #expect(e.insert("\u{200B}") == false) // zero width space: format (Cf)
        #expect(e.insert("\u{0007}") == false)
        _ = e.handle(KeyEvent(.character("a"), kind: .release, isKitty: true))
        _ = e.handle(KeyEvent(.character("b"), modifiers: .alt))
        _ = e.handle(KeyEvent(.tab))
        #expect(e.text == "")
        var f = LineEditor(text: "abc")
        _ = f.handle(KeyEvent(.character("a"), modifiers: .ctrl))
        #expect(f.cursor == 0)
        _ = f.handle(KeyEvent(.character("e"), modifiers: .ctrl))
        _ = f.handle(KeyEvent(.character("u"), modifiers: .ctrl))
        #expect(f.isEmpty)
        _ = f.handle(KeyEvent(.character("x"), kind: .repeat, isKitty: true))
        #expect(f.text == "x")
    }
}
