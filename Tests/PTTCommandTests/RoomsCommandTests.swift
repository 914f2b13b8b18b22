import Foundation
import Testing

/// `ptt rooms` against a real relay with members in a listed and an unlisted room.
@Suite(.serialized) struct RoomsCommandTests {
    @Test func listsListedRoomsWithCounts() async throws {
        let (relay, port) = try await startRelay()
        defer { relay.stop() }
        let url = "ws://127.0.0.1:\(port)"
        var members: [ChildProcess] = []
        defer { members.forEach { $0.stop() } }
        for (room, name) in [("standup", "alice"), ("standup", "bob"), ("_secret", "carol")] {
            let m = try ChildProcess("ptt", ["join", room, name, "--json", "--listen", "--relay", url], environment: testALSAEnvironment)
            #expect(await m.waitForLine { $0.contains(#""event":"ready""#) } != nil)
            members.append(m)
        }
        let table = try ChildProcess("ptt", ["rooms", "--relay", url])
        #expect(await table.waitForExit() == 0)
        #expect(table.output == ["ROOM     MEMBERS  TALKING  FLOOR", "standup        2        0  open"])
        let json = try ChildProcess("ptt", ["rooms", "--relay", url, "--json"])
        #expect(await json.waitForExit() == 0)
        #expect(json.output == [#"{"rooms":[{"name":"standup","members":2,"talkers":0,"floor":"open"}]}"#])
        for m in members { m.send("quit") }
        for m in members { #expect(await m.waitForExit() == 0) }
    }

    /// Something else at the relay's address: said in words, for `rooms` and for `join`.
    @Test func aServerThatIsNotARelayIsAClearError() async throws {
        let garbage = try CannedServer(answer: "garbage garbage\r\n\r\n")
        defer { garbage.stop() }
        let rooms = try ChildProcess("ptt", ["rooms", "--relay", "ws://127.0.0.1:\(garbage.port)"])
        #expect(await rooms.waitForExit() == 1)
        #expect(rooms.errorText.contains("the server there does not answer in HTTP (is it a relay?)"), "\(rooms.errorText)")
        let join = try ChildProcess("ptt", ["join", "r", "alice", "--json", "--listen", "--relay", "ws://127.0.0.1:\(garbage.port)"],
                                    environment: testALSAEnvironment)
        #expect(await join.waitForExit() == 1)
        #expect(join.errorText.contains("cannot reach the relay at ws://127.0.0.1:\(garbage.port)/r: the server there does not answer in HTTP"),
                "\(join.errorText)")

        let web = try CannedServer(answer: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
        defer { web.stop() }
        let list = try ChildProcess("ptt", ["rooms", "--relay", "ws://127.0.0.1:\(web.port)"])
        #expect(await list.waitForExit() == 1)
        #expect(list.errorText.contains("the answer to /rooms is not a room list (is ws://127.0.0.1:\(web.port) a ptt relay?)"), "\(list.errorText)")
    }

    /// A wss:// URL for a relay without TLS: the relay waits for a request that never comes; after
    /// the handshake timeout (5 s) the message suggests ws://.
    @Test func wssToAPlainRelaySuggestsWs() async throws {
        let (relay, port) = try await startRelay()
        defer { relay.stop() }
        let rooms = try ChildProcess("ptt", ["rooms", "--relay", "wss://127.0.0.1:\(port)"])
        #expect(await rooms.waitForExit(timeout: .seconds(15)) == 1)
        #expect(rooms.errorText.contains("did not answer in time (if it serves plain ws://, use a ws:// URL)"), "\(rooms.errorText)")
    }

    @Test func unreachableRelayIsAClearError() async throws {
        let p = try ChildProcess("ptt", ["rooms", "--relay", "ws://127.0.0.1:9"])
        #expect(await p.waitForExit() == 1)
        #expect(p.errorText.contains("cannot reach the relay at ws://127.0.0.1:9"))
    }
}
