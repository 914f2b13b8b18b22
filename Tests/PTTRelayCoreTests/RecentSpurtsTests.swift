import Testing
@testable import PTTProtocol
@testable import PTTRelayCore

@Suite struct RecentSpurtsTests {
    @Test func keepsTheLastEndedSpurtsWithinBounds() {
        var r = RecentSpurts()
        for i in 0..<12 {
            r.start(id: UInt32(i + 1), name: "m\(i)", at: UInt64(i))
            r.add(id: UInt32(i + 1), payload: [UInt8(i), 0])
            r.end(id: UInt32(i + 1))
        }
        #expect(r.last(10).map(\.name) == (2..<12).map { "m\($0)" })
        #expect(r.last(2).map(\.id) == [11, 12])
        // An open spurt is not given out; an empty one is not kept.
        r.start(id: 40, name: "talking", at: 50)
        r.add(id: 40, payload: [1])
        r.start(id: 41, name: "silent", at: 51)
        r.end(id: 41)
        #expect(r.last(1).map(\.id) == [12])
        // Bytes: one spurt never holds more than the bound, and old spurts go for new bytes.
        var big = RecentSpurts()
        big.start(id: 1, name: "a", at: 0)
        for _ in 0..<200 { big.add(id: 1, payload: [UInt8](repeating: 1, count: 1000)) }
        big.end(id: 1)
        #expect(big.last(1).first.map { $0.bytes <= RecentSpurts.maxBytes } == true)
        big.start(id: 2, name: "b", at: 1)
        for _ in 0..<50 { big.add(id: 2, payload: [UInt8](repeating: 2, count: 1000)) }
        big.end(id: 2)
        #expect(big.last(10).map(\.id) == [2])
    }

    @Test func anOperatorTurnsHistoryOffAndOn() throws {
        var room = RoomState(name: "r")
        _ = room.join(id: 1, name: "op", listen: false, op: true)
        _ = room.join(id: 2, name: "bob", listen: false)
        let off = room.receive(try ControlMessage.decodeInbound(Array(#"{"t":"op","do":"history","on":false}"#.utf8)), from: 1, now: 0)
        #expect(room.historyOff)
        #expect(off == [.broadcast(Moderation(action: .historyOff, id: 1, name: "op", by: 1).message, except: nil)])
        let refused = room.receive(try ControlMessage.decodeInbound(Array(#"{"t":"op","do":"history","on":true}"#.utf8)), from: 2, now: 0)
        #expect(refused == [.send(to: 2, .deny(Deny(reason: .notOperator)))])
        _ = room.receive(try ControlMessage.decodeInbound(Array(#"{"t":"op","do":"history","on":true}"#.utf8)), from: 1, now: 0)
        #expect(!room.historyOff)
    }
}
