import Foundation
import Glibc
import PTTTestSupport
import Testing

/// `ptt join --host`: a relay inside the client, which requires a random token unless given
/// one. Others join with the URL and token it prints, and without the token are refused; a
/// second host on the same port is refused with a reason; when the host leaves, the others
/// reconnect and find the room again once it is hosted anew with the same token.
@Suite(.serialized) struct HostTests {
    /// A loopback port nothing listens on, below the kernel's range for outgoing connections:
    /// the test binds it twice, and in between a reconnecting client must not be given it as
    /// its own source port.
    func unusedLoopbackPort() throws -> Int {
        let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let ephemeralLow = range.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32768
        let candidates = 10_000..<max(10_100, min(ephemeralLow, 30_000))
        for _ in 0..<100 {
            let port = Int.random(in: candidates)
            if Self.canBind(port: port) { return port }
        }
        throw TestFailure("no free loopback port in \(candidates)")
    }

    static func canBind(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    func host(_ name: String, port: Int, extra: [String] = []) throws -> ChildProcess {
        try ChildProcess("ptt", ["join", "standup", name, "--host", "--relay", "ws://127.0.0.1:\(port)", "--json", "--listen"] + extra,
                         environment: testALSAEnvironment)
    }

    /// The value of `"key":"..."` in a JSON line.
    func string(_ key: String, in line: String?) -> String? {
        guard let line, let start = line.range(of: "\"\(key)\":\"") else { return nil }
        return line[start.upperBound...].split(separator: "\"", maxSplits: 1).first.map(String.init)
    }

    @Test func othersJoinTheHostedRoom() async throws {
        let port = try unusedLoopbackPort()
        let logs = try TemporaryDirectory()
        let alice = try host("alice", port: port, extra: ["--log-file", logs.path("alice.log")])
        defer { alice.stop() }
        let hosting = await alice.waitForLine { $0.contains(#""event":"hosting""#) }
        let token = try #require(string("token", in: hosting), "\(alice.output)")
        #expect(hosting == #"{"event":"hosting","room":"standup","urls":["ws://127.0.0.1:\#(port)/standup"],"token":"\#(token)"}"#)
        // 128 random bits, URL-safe.
        #expect(token.count == 22 && token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }, "\(token)")
        #expect(await alice.waitForLine { $0.contains(#""event":"ready""#) } != nil, "\(alice.output) \(alice.errorText)")

        // Without the token: refused, in words.
        let mallory = try ChildProcess("ptt", ["join", "standup", "mallory", "--json", "--listen", "--relay", "ws://127.0.0.1:\(port)"],
                                       environment: testALSAEnvironment)
        defer { mallory.stop() }
        #expect(await mallory.waitForExit() == 1)
        #expect(mallory.errorText.contains("this relay needs a token (HTTP 401): pass --token"), "\(mallory.errorText)")

        // With it, as printed: joined.
        let bob = try ChildProcess("ptt", ["join", "standup", "bob", "--json", "--listen", "--relay", "ws://127.0.0.1:\(port)", "--token", token],
                                   environment: testALSAEnvironment)
        defer { bob.stop() }
        #expect(await bob.waitForLine { $0.contains(#""event":"ready""#) } != nil, "\(bob.output) \(bob.errorText)")
        #expect(await alice.waitForLine { $0.contains(#""event":"joined""#) && $0.contains(#""name":"bob""#) } != nil)
        bob.send("chat hi alice")
        #expect(await alice.waitForLine { $0.contains(#""text":"hi alice""#) } != nil)

        // A second host on the same port is refused, in words.
        let carol = try host("carol", port: port)
        defer { carol.stop() }
        #expect(await carol.waitForExit() == 1)
        #expect(carol.errorText.contains("cannot host on 127.0.0.1:\(port): Address already in use (is another relay running there? join it with --relay)"),
                "\(carol.errorText)")

        // The room's URL (as the hosting event gives it) passed as the relay URL: refused, and
        // the message says what to pass instead.
        let eve = try ChildProcess("ptt", ["join", "standup", "eve", "--json", "--listen", "--relay", "ws://127.0.0.1:\(port)/standup",
                                           "--token", token], environment: testALSAEnvironment)
        defer { eve.stop() }
        #expect(await eve.waitForExit() == 1)
        #expect(eve.errorText.contains("(HTTP 400); the relay URL already ends in the room: try --relay ws://127.0.0.1:\(port)\n"),
                "\(eve.errorText)")

        // The host leaves: bob is told why and keeps trying; a new host on the port gets him back.
        alice.send("quit")
        #expect(await alice.waitForExit() == 0)
        let log = (try? String(contentsOfFile: logs.path("alice.log"), encoding: .utf8)) ?? ""
        #expect(!log.contains(token), "the log file holds the token: \(log)")
        #expect(await bob.waitForLine { $0.contains(#""event":"disconnected""#) && $0.contains(#""code":1001"#) } != nil, "\(bob.output)")
        #expect(await bob.waitForLine { $0.contains(#""event":"reconnecting""#) } != nil)
        let dave = try host("dave", port: port, extra: ["--token", token])
        defer { dave.stop() }
        let again = await dave.waitForLine { $0.contains(#""event":"hosting""#) }
        #expect(again == #"{"event":"hosting","room":"standup","urls":["ws://127.0.0.1:\#(port)/standup"]}"#, "a token given is not printed")
        #expect(await dave.waitForLine { $0.contains(#""event":"ready""#) } != nil, "\(dave.output) \(dave.errorText)")
        #expect(await dave.waitForLine(timeout: .seconds(15)) { $0.contains(#""event":"joined""#) && $0.contains(#""name":"bob""#) } != nil,
                "bob did not come back: \(bob.output)")
        bob.send("quit")
        #expect(await bob.waitForExit() == 0)
        dave.send("quit")
        #expect(await dave.waitForExit() == 0)
    }
}
