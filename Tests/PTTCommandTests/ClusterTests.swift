import Foundation
import Glibc
import PTTProtocol
import PTTTestSupport
import Testing

/// A NATS server on 127.0.0.1 (Debian's `nats-server`), for the cluster tests.
func startNATS(_ extra: [String] = []) async throws -> (ChildProcess, Int) {
    for _ in 0..<5 {
        let port = Int.random(in: 20_000...40_000)
        let server = try ChildProcess("nats-server", ["-a", "127.0.0.1", "-p", "\(port)"] + extra, absolute: "/usr/sbin/nats-server")
        for _ in 0..<100 {
            if canConnect(port: port) { return (server, port) }
            try await Task.sleep(for: .milliseconds(50))
        }
        server.stop()
    }
    throw TestFailure("nats-server did not start")
}

/// Whether something accepts TCP connections on 127.0.0.1:port.
func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}

/// Relays that share rooms through NATS (`ptt-relay --cluster`), with real clients.
@Suite(.serialized) struct ClusterTests {
    func events(_ lines: [String], _ kind: String) -> [JSONObject] {
        lines.compactMap { line -> JSONObject? in
            guard case .object(let o)? = try? JSONValue.parse(line), o["event"] == .string(kind) else { return nil }
            return o
        }
    }

    /// A NATS server and two relays clustered on it (`extra`: more relay options).
    struct TwoRelays {
        let nats: ChildProcess, one: ChildProcess, two: ChildProcess
        let port1: Int, port2: Int
        func stop() { [one, two, nats].forEach { $0.stop() } }
    }

    func twoRelays(_ extra: [String] = [], nats natsOptions: [String] = []) async throws -> TwoRelays {
        let (nats, natsPort) = try await startNATS(natsOptions)
        let cluster = ["--cluster", "nats://127.0.0.1:\(natsPort)"] + extra
        let (one, port1) = try await startRelay(cluster)
        let (two, port2) = try await startRelay(cluster)
        return TwoRelays(nats: nats, one: one, two: two, port1: port1, port2: port2)
    }

    /// alice on relay one and bob on relay two, each with a minute of speech for a microphone
    /// (hold mode: they talk on `talk on`), once each sees the other.
    func talkers(on relays: TwoRelays, tmp: TemporaryDirectory) async throws -> (ChildProcess, ChildProcess) {
        try TestSignal.write(TestSignal.speechLike(seconds: 60, pad: 0), to: tmp.path("mic.raw"))
        var env = testALSAEnvironment
        env["TEST_ALSA_IN"] = tmp.path("mic.raw")
        let alice = try ChildProcess("ptt", ["join", "r", "alice", "--json", "--no-cues", "--relay", "ws://127.0.0.1:\(relays.port1)"], environment: env)
        let bob = try ChildProcess("ptt", ["join", "r", "bob", "--json", "--no-cues", "--relay", "ws://127.0.0.1:\(relays.port2)"], environment: env)
        #expect(await bob.waitForLine { $0.contains(#""event":"joined""#) && $0.contains(#""name":"alice""#) } != nil)
        #expect(await alice.waitForLine { $0.contains(#""event":"joined""#) && $0.contains(#""name":"bob""#) } != nil)
        return (alice, bob)
    }

    func listener(_ name: String, url: String, out: String = "/dev/null") throws -> ChildProcess {
        var env = testALSAEnvironment
        env["TEST_ALSA_OUT"] = out
        return try ChildProcess("ptt", ["join", "r", name, "--json", "--listen", "--relay", url], environment: env)
    }

    /// A member on one relay talks and chats; a member on the other hears and reads it, with the
    /// roster, talk state and order intact; a late joiner on the other relay sees the whole room;
    /// `ptt rooms` on either relay lists the room with everyone.
    @Test func aRoomSpansTwoRelays() async throws {
        let tmp = try TemporaryDirectory()
        let relays = try await twoRelays()
        defer { relays.stop() }
        let (port1, port2) = (relays.port1, relays.port2)
        let url1 = "ws://127.0.0.1:\(port1)", url2 = "ws://127.0.0.1:\(port2)"

        let bob = try listener("bob", url: url2, out: tmp.path("bob.raw"))
        defer { bob.stop() }
        #expect(await bob.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        let alice = try listener("alice", url: url1)
        defer { alice.stop() }
        #expect(await bob.waitForLine { $0.contains(#""event":"joined""#) && $0.contains(#""name":"alice""#) } != nil, "bob never saw alice join")
        #expect(await alice.waitForLine { $0.contains(#""event":"joined""#) && $0.contains(#""name":"bob""#) } != nil, "alice never saw bob")
        alice.send("chat hello from relay one")
        #expect(await bob.waitForLine { $0.contains(#""text":"hello from relay one""#) && $0.contains(#""name":"alice""#) } != nil)

        let speech = TestSignal.speechLike(seconds: 2, pad: 0.3)
        try TestSignal.writeWAV(speech, to: tmp.path("speech.wav"))
        let send = try ChildProcess("ptt", ["send", "r", "dave", tmp.path("speech.wav"), "--relay", url1])
        #expect(await send.waitForExit(timeout: .seconds(15)) == 0, "\(send.errorText)")
        #expect(await bob.waitForLine { $0.contains(#""event":"left""#) && $0.contains(#""name":"dave""#) } != nil)
        let talk = events(bob.output, "talk").filter { $0["name"] == .string("dave") }.map { $0["on"] }
        #expect(talk == [.bool(true), .bool(false)])
        _ = await eventually(timeout: .seconds(5), every: .milliseconds(100)) {
            TestSignal.envelope(TestSignal.read(tmp.path("bob.raw"))).filter { $0 > 500 }.count > 150
        }
        let (correlation, _) = TestSignal.envelopeCorrelation(probe: speech, in: TestSignal.read(tmp.path("bob.raw")))
        #expect(correlation > 0.9, "bob heard dave through the cluster with correlation \(correlation)")

        // A late joiner on relay two: alice (on relay one) is in its welcome.
        let erin = try listener("erin", url: url2)
        defer { erin.stop() }
        #expect(await erin.waitForLine { $0.contains(#""event":"joined""#) && $0.contains(#""name":"alice""#) } != nil)
        // Member ids are unique across relays.
        let ids = events(erin.output, "joined").compactMap { $0["id"] }
        #expect(Set(ids.map { "\($0)" }).count == ids.count)

        for url in [url1, url2] {
            let rooms = try ChildProcess("ptt", ["rooms", "--relay", url, "--json"])
            #expect(await rooms.waitForExit() == 0)
            #expect(rooms.output.first?.contains(#""name":"r","members":3"#) == true, "\(url): \(rooms.output)")
        }
        // `/stats` on relay two has dave, who talked on relay one (reports come every second).
        try await Task.sleep(for: .milliseconds(1500))
        let stats = try runTool("/usr/bin/curl", ["-s", "--noproxy", "*", "http://127.0.0.1:\(port2)/stats"])
        #expect(stats.output.contains(#""name":"dave""#) && stats.output.contains(#""name":"bob""#), "\(stats.output)")
    }

    /// A single-floor room across relays: while a member on one relay talks, a member on the
    /// other is refused with `busy` naming the talker; once the floor is free, it may talk.
    @Test func theFloorHoldsAcrossRelays() async throws {
        let tmp = try TemporaryDirectory()
        let relays = try await twoRelays(["--floor", "single"])
        defer { relays.stop() }
        let (alice, bob) = try await talkers(on: relays, tmp: tmp)
        defer { alice.stop(); bob.stop() }
        alice.send("talk on")
        #expect(await bob.waitForLine { $0.contains(#""event":"talk""#) && $0.contains(#""name":"alice""#) && $0.contains(#""on":true"#) } != nil)
        bob.send("talk on")
        #expect(await bob.waitForLine { $0.contains(#""event":"denied""#) && $0.contains(#""reason":"busy""#) && $0.contains(#""holder":"alice""#) } != nil,
                "\(bob.output.suffix(6))")
        bob.send("talk off")
        try await Task.sleep(for: .milliseconds(300))
        #expect(!alice.output.contains { $0.contains(#""event":"talk""#) && $0.contains(#""name":"bob""#) && $0.contains(#""on":true"#) }, "alice heard bob over her")
        alice.send("talk off")
        #expect(await bob.waitForLine { $0.contains(#""event":"talk""#) && $0.contains(#""name":"alice""#) && $0.contains(#""on":false"#) } != nil)
        bob.send("talk on")
        #expect(await alice.waitForLine { $0.contains(#""event":"talk""#) && $0.contains(#""name":"bob""#) && $0.contains(#""on":true"#) } != nil)
        bob.send("talk off")
    }

    /// With JetStream on the NATS server the single floor is one for the whole cluster, decided
    /// atomically: two members on two relays pressing at the same moment, one gets the floor,
    /// the other `busy`, every time.
    @Test func theSharedFloorHasOneHolderWhenTwoPressAtOnce() async throws {
        let tmp = try TemporaryDirectory()
        let relays = try await twoRelays(["--floor", "single"], nats: ["-js", "-sd", tmp.path("js")])
        defer { relays.stop() }
        _ = await relays.one.waitForLine(timeout: .seconds(10)) { _ in relays.one.errorText.contains("single floors are shared through JetStream") }
        #expect(relays.one.errorText.contains("single floors are shared through JetStream"), "\(relays.one.errorText.suffix(500))")
        let (alice, bob) = try await talkers(on: relays, tmp: tmp)
        defer { alice.stop(); bob.stop() }
        for round in 1...3 {
            let denied = { (p: ChildProcess) in p.output.filter { $0.contains(#""event":"denied""#) && $0.contains(#""reason":"busy""#) }.count }
            let before = (denied(alice), denied(bob))
            alice.send("talk on")
            bob.send("talk on")
            _ = await eventually(timeout: .seconds(5), every: .milliseconds(50)) { denied(alice) + denied(bob) > before.0 + before.1 }
            try await Task.sleep(for: .milliseconds(500))
            let refusals = (denied(alice) - before.0) + (denied(bob) - before.1)
            #expect(refusals == 1, "round \(round): \(refusals) refusals")
            alice.send("talk off")
            bob.send("talk off")
            try await Task.sleep(for: .milliseconds(600))
        }
        // Once free, anyone may take it.
        bob.send("talk on")
        #expect(await alice.waitForLine { $0.contains(#""event":"talk""#) && $0.contains(#""name":"bob""#) && $0.contains(#""on":true"#) } != nil)
    }

    /// A relay that dies: its members leave the room for the members of the other relay within
    /// 5 s (3 s without its heartbeat); the room goes on there.
    @Test func theMembersOfARelayThatDiesLeave() async throws {
        let relays = try await twoRelays()
        defer { relays.stop() }
        let (port1, port2) = (relays.port1, relays.port2)
        let bob = try listener("bob", url: "ws://127.0.0.1:\(port2)")
        defer { bob.stop() }
        #expect(await bob.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        let alice = try listener("alice", url: "ws://127.0.0.1:\(port1)")
        defer { alice.stop() }
        #expect(await bob.waitForLine { $0.contains(#""event":"joined""#) && $0.contains(#""name":"alice""#) } != nil)
        try await Task.sleep(for: .milliseconds(1500))
        let killed = Date()
        relays.one.signal(SIGKILL)
        #expect(await bob.waitForLine(timeout: .seconds(8)) { $0.contains(#""event":"left""#) && $0.contains(#""name":"alice""#) } != nil)
        #expect(Date().timeIntervalSince(killed) < 5.5, "alice left after \(Date().timeIntervalSince(killed)) s")
        // Relay two goes on: a newcomer there joins and is seen.
        let carol = try listener("carol", url: "ws://127.0.0.1:\(port2)")
        defer { carol.stop() }
        #expect(await bob.waitForLine { $0.contains(#""event":"joined""#) && $0.contains(#""name":"carol""#) } != nil)
    }

    /// A member given both relays (`--relay A,B`) whose relay dies comes back through the
    /// other, same name, same room, within 5 s; the others see it leave and come back.
    @Test func aMemberWhoseRelayDiesComesBackThroughTheOther() async throws {
        let relays = try await twoRelays()
        defer { relays.stop() }
        let (port1, port2) = (relays.port1, relays.port2)
        let alice = try listener("alice", url: "ws://127.0.0.1:\(port2)")
        defer { alice.stop() }
        #expect(await alice.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        let bob = try listener("bob", url: "ws://127.0.0.1:\(port1),ws://127.0.0.1:\(port2)")
        defer { bob.stop() }
        #expect(await bob.waitForLine { $0.contains(#""event":"connected""#) && $0.contains("\(port1)") } != nil, "bob did not start on the first relay")
        #expect(await alice.waitForLine { $0.contains(#""event":"joined""#) && $0.contains(#""name":"bob""#) } != nil)
        let killed = Date()
        relays.one.signal(SIGKILL)
        #expect(await bob.waitForLine(timeout: .seconds(10)) { $0.contains(#""event":"ready""#) && bob.output.filter { $0.contains(#""event":"ready""#) }.count == 2 } != nil)
        #expect(Date().timeIntervalSince(killed) < 5, "bob was back after \(Date().timeIntervalSince(killed)) s: \(bob.output.suffix(8)) \(bob.errorText.suffix(500))")
        // alice saw bob leave (his relay's silence, or his new connection replacing him) and come back.
        #expect(await alice.waitForLine(timeout: .seconds(8)) { _ in
            alice.output.filter { $0.contains(#""event":"joined""#) && $0.contains(#""name":"bob""#) }.count >= 2
        } != nil, "\(alice.output)")
        #expect(alice.output.contains { $0.contains(#""event":"left""#) && $0.contains(#""name":"bob""#) })
        bob.send("chat back again")
        #expect(await alice.waitForLine { $0.contains(#""text":"back again""#) } != nil)
    }

    /// Two NATS servers clustered, each relay told of both: one server dies, the relays go on
    /// through the other.
    @Test func aNATSServerDiesAndTrafficGoesOnThroughTheOther() async throws {
        let routes = (Int.random(in: 41_000...45_000), Int.random(in: 45_001...49_000))
        let (natsA, portA) = try await startNATS(["--cluster_name", "ptt", "--cluster", "nats://127.0.0.1:\(routes.0)", "--routes", "nats://127.0.0.1:\(routes.1)"])
        defer { natsA.stop() }
        let (natsB, portB) = try await startNATS(["--cluster_name", "ptt", "--cluster", "nats://127.0.0.1:\(routes.1)", "--routes", "nats://127.0.0.1:\(routes.0)"])
        defer { natsB.stop() }
        // Each relay on its own server first (tried in the order given), the other as fallback.
        let (one, port1) = try await startRelay(["--cluster", "nats://127.0.0.1:\(portA),nats://127.0.0.1:\(portB)"])
        defer { one.stop() }
        let (two, port2) = try await startRelay(["--cluster", "nats://127.0.0.1:\(portB),nats://127.0.0.1:\(portA)"])
        defer { two.stop() }
        // The servers' route takes a moment.
        try await Task.sleep(for: .seconds(1.5))
        let bob = try listener("bob", url: "ws://127.0.0.1:\(port2)")
        defer { bob.stop() }
        #expect(await bob.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        let alice = try listener("alice", url: "ws://127.0.0.1:\(port1)")
        defer { alice.stop() }
        #expect(await bob.waitForLine { $0.contains(#""event":"joined""#) && $0.contains(#""name":"alice""#) } != nil)
        natsA.signal(SIGKILL)
        try await Task.sleep(for: .seconds(1.5))
        alice.send("chat still here")
        #expect(await bob.waitForLine(timeout: .seconds(10)) { $0.contains(#""text":"still here""#) } != nil,
                "relay one: \(one.errorText.suffix(600)) relay two: \(two.errorText.suffix(600))")
        #expect(!bob.output.contains { $0.contains(#""event":"left""#) && $0.contains("alice") }, "alice left when a NATS server died")
        #expect(one.errorText.contains("NATS connection lost") && one.errorText.contains("NATS connection back"), "\(one.errorText.suffix(800))")
    }

    /// Three relays, each on its own server of a three-server NATS cluster: one room across all
    /// three (roster, chat both ways); one NATS server dies and its relay carries on through
    /// another.
    @Test func threeRelaysOnAThreeServerNATSCluster() async throws {
        let base = Int.random(in: 41_000...48_000)
        let routes = [base, base + 1, base + 2]
        var servers: [(ChildProcess, Int)] = []
        for i in 0..<3 {
            let others = routes.enumerated().filter { $0.offset != i }.map { "nats://127.0.0.1:\($0.element)" }.joined(separator: ",")
            servers.append(try await startNATS(["--cluster_name", "ptt", "--cluster", "nats://127.0.0.1:\(routes[i])", "--routes", others]))
        }
        defer { servers.forEach { $0.0.stop() } }
        var relays: [(ChildProcess, Int)] = []
        for i in 0..<3 {
            // Its own server first, the others as fallbacks.
            let list = (0..<3).map { servers[($0 + i) % 3].1 }.map { "nats://127.0.0.1:\($0)" }.joined(separator: ",")
            relays.append(try await startRelay(["--cluster", list]))
        }
        defer { relays.forEach { $0.0.stop() } }
        try await Task.sleep(for: .seconds(1.5)) // the servers' routes
        let names = ["alice", "bob", "carol"]
        var members: [ChildProcess] = []
        for (i, name) in names.enumerated() {
            let m = try listener(name, url: "ws://127.0.0.1:\(relays[i].1)")
            members.append(m)
            #expect(await m.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        }
        defer { members.forEach { $0.stop() } }
        for (i, m) in members.enumerated() {
            for other in names where other != names[i] {
                #expect(await m.waitForLine { $0.contains(#""event":"joined""#) && $0.contains(#""name":"\#(other)""#) } != nil, "\(names[i]) never saw \(other)")
            }
        }
        members[0].send("chat from relay one")
        for m in members[1...] { #expect(await m.waitForLine { $0.contains(#""text":"from relay one""#) } != nil) }
        servers[1].0.signal(SIGKILL)
        try await Task.sleep(for: .seconds(1.5))
        members[1].send("chat from relay two, moved")
        for m in [members[0], members[2]] {
            #expect(await m.waitForLine(timeout: .seconds(10)) { $0.contains(#""text":"from relay two, moved""#) } != nil, "\(relays[1].0.errorText.suffix(600))")
        }
        #expect(!members[0].output.contains { $0.contains(#""event":"left""#) }, "a member left when a NATS server died")
    }

    /// A relay whose NATS server is not there starts anyway and serves its own rooms.
    @Test func aRelayStartsWithoutItsNATSServer() async throws {
        let (relay, port) = try await startRelay(["--cluster", "nats://127.0.0.1:1"])
        defer { relay.stop() }
        let bob = try listener("bob", url: "ws://127.0.0.1:\(port)")
        defer { bob.stop() }
        #expect(await bob.waitForLine { $0.contains(#""event":"ready""#) } != nil)
        #expect(relay.errorText.contains("no NATS server reachable yet"), "\(relay.errorText)")
    }
}
