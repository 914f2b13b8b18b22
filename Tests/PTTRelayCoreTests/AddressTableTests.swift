import Testing
@testable import PTTRelayCore

@Suite struct AddressTableTests {
    let second: UInt64 = 1_000_000_000

    func limits(_ change: (inout AddressLimits) -> Void = { _ in }) -> AddressLimits {
        var l = AddressLimits()
        change(&l)
        return l
    }

    @Test func keys() {
        let l = AddressLimits()
        #expect(l.key(addressBytes: [192, 0, 2, 7]) == "192.0.2.7")
        #expect(l.key(addressBytes: [127, 0, 0, 1]) == nil)
        #expect(l.key(addressBytes: [127, 9, 9, 9]) == nil)
        // IPv4 mapped into IPv6 is the IPv4 address.
        #expect(l.key(addressBytes: [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF, 192, 0, 2, 7]) == "192.0.2.7")
        // IPv6: the /64 prefix.
        let v6: [UInt8] = [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8]
        #expect(l.key(addressBytes: v6) == "2001:db8:1:2::/64")
        var other = v6
        other[15] = 9
        #expect(l.key(addressBytes: other) == l.key(addressBytes: v6))
        #expect(l.key(addressBytes: [UInt8](repeating: 0, count: 15) + [1]) == nil)
        // Loopback limited like any other when asked.
        let strict = limits { $0.exemptLoopback = false }
        #expect(strict.key(addressBytes: [127, 0, 0, 1]) == "127.0.0.1")
        #expect(strict.key(addressBytes: [UInt8](repeating: 0, count: 15) + [1]) == "0:0:0:0::/64")
        #expect(l.key(addressBytes: [1, 2]) == nil)
    }

    @Test func connectionsAndPendingPerAddress() {
        var t = AddressTable(limits: limits { $0.maxConnections = 3; $0.maxPending = 2 })
        #expect(t.open("a", now: 0) == nil)
        #expect(t.open("a", now: 0) == nil)
        #expect(t.open("a", now: 0) == .tooManyPending)
        // Another address has its own share.
        #expect(t.open("b", now: 0) == nil)
        t.welcomed("a")
        #expect(t.open("a", now: 0) == nil)
        #expect(t.connections("a").all == 3 && t.connections("a").pending == 2)
        t.welcomed("a")
        #expect(t.open("a", now: 0) == .tooManyConnections)
        t.closed("a", pending: true, now: 1)
        #expect(t.connections("a").all == 2 && t.connections("a").pending == 0)
        #expect(t.open("a", now: 1) == nil)
        // 0: no limit.
        var open = AddressTable(limits: limits { $0.maxConnections = 0; $0.maxPending = 0 })
        for _ in 0..<1000 { #expect(open.open("a", now: 0) == nil) }
    }

    @Test func ratesAreSharedByAnAddressAndOutliveItsConnections() {
        var t = AddressTable(limits: limits { $0.textRate = 10; $0.binaryRate = 100 })
        #expect(t.open("a", now: 0) == nil)
        for _ in 0..<15 { do { let ok = t.take(.text, from: "a", now: 0); #expect(ok) } }
        t.closed("a", pending: true, now: 0)
        // The same address again, on a new connection: the bucket is as it was left.
        #expect(t.open("a", now: 0) == nil)
        for _ in 0..<5 { do { let ok = t.take(.text, from: "a", now: 0); #expect(ok) } }
        do { let ok = t.take(.text, from: "a", now: 0); #expect(!ok) }
        // Others are not affected; binary has its own bucket.
        do { let ok = t.take(.text, from: "b", now: 0); #expect(ok) }
        for _ in 0..<200 { do { let ok = t.take(.binary, from: "a", now: 0); #expect(ok) } }
        do { let ok = t.take(.binary, from: "a", now: 0); #expect(!ok) }
        // The rate comes back with time: 10 a second.
        do { let ok = t.take(.text, from: "a", now: second / 10); #expect(ok) }
        do { let ok = t.take(.text, from: "a", now: second / 10); #expect(!ok) }
        // 0: no limit.
        var open = AddressTable(limits: limits { $0.textRate = 0 })
        for _ in 0..<10_000 { do { let ok = open.take(.text, from: "a", now: 0); #expect(ok) } }
    }

    @Test func forgetsWhatCarriesNothing() {
        var t = AddressTable(limits: limits { $0.textRate = 10 })
        #expect(t.open("a", now: 0) == nil)
        do { let ok = t.take(.text, from: "b", now: 0); #expect(ok) }
        t.sweep(now: 0)
        #expect(t.count == 2)   // a has a connection, b's bucket is not full again
        t.sweep(now: second)
        #expect(t.count == 1)
        t.closed("a", pending: true, now: second)
        t.sweep(now: second)
        #expect(t.count == 0)
    }

    @Test func boundedByForgettingTheLongestUnheard() {
        var t = AddressTable(limits: limits { $0.maxAddresses = 100; $0.textRate = 1 })
        #expect(t.open("held", now: 0) == nil)
        for n in 0..<1000 { _ = t.take(.text, from: "a\(n)", now: UInt64(n)) }
        #expect(t.count == 100)
        // The address with a connection is kept; the most recent ones are.
        #expect(t.connections("held").all == 1 && t.connections("held").pending == 1)
        do { let ok = t.take(.text, from: "a999", now: 1000); #expect(ok) }
        do { let ok = t.take(.text, from: "a999", now: 1000); #expect(!ok) }
    }
}
