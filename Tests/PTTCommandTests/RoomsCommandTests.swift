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

    @Test func unreachableRelayIsAClearError() async throws {
        let p = try ChildProcess("ptt", ["rooms", "--relay", "ws://127.0.0.1:9"])
        #expect(await p.waitForExit() == 1)
        #expect(p.errorText.contains("cannot reach the relay at ws://127.0.0.1:9"))
    }
}
