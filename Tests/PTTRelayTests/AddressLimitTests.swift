import PTTProtocol
import PTTRelayCore
@testable import PTTRelay
import Testing

/// Limits per remote address: 127.0.0.1 and 127.0.0.2 are two addresses once loopback is
/// limited like any other.
@Suite(.timeLimit(.minutes(1))) struct AddressLimitTests {
    /// Sockets that upgrade and never say hello take their address's share, not the relay's.
    @Test func silentSocketsFromOneAddressLeaveRoomForOthers() async throws {
        try await withRelay({
            $0.addresses.exemptLoopback = false
            $0.addresses.maxPending = 4
            $0.maxConnections = 4   // at most 24 sockets in all
        }) { relay in
            var held: [RawSocket] = []
            var upgraded = 0
            for _ in 0..<30 {
                let s = try RawSocket(port: relay.address.port)
                if await s.upgrade("/room") == 101 { upgraded += 1 }
                held.append(s)
            }
            #expect(upgraded == 4)
            let other = try RawSocket(port: relay.address.port, from: "127.0.0.2")
            #expect(await other.upgrade("/room") == 101)
            #expect(await other.hello("newcomer") == "welcome")
            // A welcomed member no longer counts as pending: its address may open another.
            let again = try RawSocket(port: relay.address.port, from: "127.0.0.2")
            #expect(await again.upgrade("/room") == 101)
            withExtendedLifetime(held) {}
        }
    }

    /// Members from one address cannot fill the relay's rooms.
    @Test func oneAddressCannotTakeEveryRoom() async throws {
        try await withRelay({
            $0.addresses.exemptLoopback = false
            $0.addresses.maxConnections = 3
            $0.maxRooms = 5
        }) { relay in
            var members: [TestClient] = []
            for n in 0..<5 {
                guard let c = try? await TestClient.connect(relay.url("room\(n)")) else { continue }
                try await c.hello("listener")
                members.append(c)
            }
            #expect(members.count == 3)
            let other = try RawSocket(port: relay.address.port, from: "127.0.0.2")
            #expect(await other.upgrade("/fresh") == 101)
            #expect(await other.hello("newcomer") == "welcome")
            for c in members { await c.close() }
        }
    }

    /// Reconnecting does not reset an address's text rate.
    @Test func textRateOutlivesReconnects() async throws {
        try await withRelay({ $0.addresses.exemptLoopback = false; $0.addresses.textRate = 1 }) { relay in
            // A burst of 2 for the address (each connection alone may send 80 at once): alice
            // spends it, and leaves.
            let a = try await TestClient.connect(relay.url("r"))
            try await a.hello("alice")
            try await a.send(#"{"t":"chat","text":"spam"}"#)
            await a.close()
            // Her successor finds the bucket as she left it, refilling at one message a second:
            // closed within 30 messages unless sending them takes this machine 25 s.
            let b = try await TestClient.connect(relay.url("r"))
            do {
                try await b.send(#"{"t":"hello","v":1,"from":7,"name":"bob","agent":"test/1","listen":false}"#)
                for _ in 0..<30 { try await b.send(#"{"t":"chat","text":"spam"}"#) }
            } catch {}
            let r = try await b.closeCode(timeout: .seconds(10))
            #expect(r.code == 1008 && r.word == "rate-limit")
        }
    }

    /// Reconnecting does not reset an address's frame rate.
    @Test func frameRateOutlivesReconnects() async throws {
        try await withRelay({ $0.addresses.exemptLoopback = false; $0.addresses.binaryRate = 5 }) { relay in
            // A burst of 10 for the address (each connection alone may send 400 at once).
            let a = try await TestClient.connect(relay.url("r"))
            try await a.hello("alice")
            for seq in 0..<10 { try await a.send(binary: frame(seq: UInt16(seq))) }
            // Its ping answered, its frames were handled (a busy machine may otherwise still be
            // sending them when it closes).
            try await a.send(#"{"t":"ping","ts":1}"#)
            while try await a.nextObject()["t"] != .string("pong") {}
            await a.close()
            // Refilling at 5 a second: closed within 300 frames unless sending them takes 58 s.
            let b = try await TestClient.connect(relay.url("r"))
            try await b.hello("bob")
            do { for seq in 0..<300 { try await b.send(binary: frame(seq: UInt16(seq))) } } catch {}
            let r = try await b.closeCode(timeout: .seconds(10))
            #expect(r.code == 1008 && r.word == "rate-limit")
        }
    }

    /// By default loopback is not limited (a reverse proxy on the same machine).
    @Test func loopbackIsNotLimitedByDefault() async throws {
        try await withRelay({ $0.addresses.maxPending = 2 }) { relay in
            var held: [RawSocket] = []
            for _ in 0..<5 {
                let s = try RawSocket(port: relay.address.port)
                #expect(await s.upgrade("/room") == 101)
                held.append(s)
            }
            withExtendedLifetime(held) {}
        }
    }
}
