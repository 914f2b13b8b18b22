import Testing
@testable import PTTProtocol

@Suite struct CloseCodeTests {
    // The table of PROTOCOL.md §4.
    static let table: [(UInt16, String?, ReconnectRule)] = [
        (1000, nil, .never), (1001, "shutdown", .soon), (1006, nil, .soon),
        (1008, "bad-message", .afterBackoff), (1009, "too-big", .never),
        (1011, "internal", .soon), (1012, "internal", .soon), (1013, "internal", .soon),
        (4400, "bad-hello", .never), (4403, "forbidden", .never), (4408, "too-slow", .afterBackoff), (4409, "name-taken", .never),
        (4410, "idle", .soon), (4413, "room-full", .slowly), (4426, "version", .never),
    ]

    @Test func matchesProtocolTable() {
        for (code, word, rule) in Self.table {
            let c = CloseCode(rawValue: code)
            #expect(c.errorWord == word, "error word of \(code)")
            #expect(c.reconnect == rule, "reconnect rule of \(code)")
        }
    }

    @Test func finalCodesDoNotReconnect() {
        let finals = Self.table.filter { !$0.2.reconnects }.map(\.0)
        #expect(finals == [1000, 1009, 4400, 4403, 4409, 4426])
        #expect(CloseCode(rawValue: 4999).reconnect.reconnects)
    }

    @Test func messageErrorsMapToCloseCodes() {
        #expect(MessageError.tooBig(length: 5000).closeCode(inHello: false) == .tooBig)
        #expect(MessageError.tooBig(length: 5000).closeCode(inHello: true) == .tooBig)
        #expect(MessageError.invalidName.closeCode(inHello: true) == .badHello)
        #expect(MessageError.unsupportedVersion(2).closeCode(inHello: true) == .unsupportedVersion)
        #expect(MessageError.missingField(type: "talk", field: "on").closeCode(inHello: false) == .policyViolation)
    }
}
