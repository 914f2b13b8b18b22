import Foundation
import PTTProtocol
import PTTRelayCore
import PTTSystem
@testable import PTTRelay
import NIOSSL
import Testing

/// HTTP endpoints, TLS, and the `ptt-relay` process.
@Suite(.timeLimit(.minutes(1))) struct ServerTests {
    @Test func httpEndpoints() async throws {
        try await withRelay { relay in
            let port = relay.address.port
            let health = try await httpGet(port: port, "/healthz")
            #expect(health.status == 200 && health.body == "ok\n")
            let a = try await TestClient.connect(relay.url("standup"))
            try await a.hello("alice")
            let b = try await TestClient.connect(relay.url("_secret"))
            try await b.hello("bob")
            try await a.send(#"{"t":"talk","on":true}"#)
            try await a.send(#"{"t":"ping","ts":1}"#)
            _ = try await a.nextObject() // pong: the talk was processed
            let rooms = try await httpGet(port: port, "/rooms")
            #expect(rooms.status == 200 && rooms.headers["content-type"] == "application/json")
            #expect(rooms.body == #"{"rooms":[{"name":"standup","members":1,"talkers":1,"floor":"open"}]}"# + "\n")
            let metrics = try await httpGet(port: port, "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.body.contains("# TYPE ptt_relay_connections gauge\nptt_relay_connections 2\n"))
            #expect(metrics.body.contains("ptt_relay_rooms 2\n"))
            #expect(metrics.body.contains("ptt_relay_members 2\n"))
            #expect(metrics.body.contains("ptt_relay_text_in_total 4\n"))
            #expect(try await httpGet(port: port, "/nothing").status == 404)
            await a.close()
            await b.close()
        }
    }

    /// On a relay with tokens, the room list and the metrics need a token too; health does not.
    @Test func roomsAndMetricsNeedATokenOnAClosedRelay() async throws {
        try await withRelay({ $0.tokens = ["s3cret"]; $0.statsToken = "st4ts" }) { relay in
            let port = relay.address.port
            #expect(try await httpGet(port: port, "/healthz").status == 200)
            for path in ["/rooms", "/metrics"] {
                let refused = try await httpGet(port: port, path)
                #expect(refused.status == 401 && refused.headers["www-authenticate"] == "Bearer", "\(path)")
                #expect(!refused.body.contains("ptt_relay") && !refused.body.contains("rooms"), "\(path)")
                #expect(try await httpGet(port: port, path + "?token=wrong").status == 401, "\(path)")
                #expect(try await httpGet(port: port, path + "?token=s3cret").status == 200, "\(path)")
                #expect(try await httpGet(port: port, path + "?token=st4ts").status == 200, "\(path)")
                let bearer = try await httpExchange(port: port, "GET \(path) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret\r\nConnection: close\r\n\r\n")
                #expect(bearer.status == 200, "\(path)")
            }
        }
        // An open relay's stay open.
        try await withRelay { relay async throws in
            #expect(try await httpGet(port: relay.address.port, "/rooms").status == 200)
            #expect(try await httpGet(port: relay.address.port, "/metrics").status == 200)
        }
    }

    @Test func listingTokenAsBearerOrQuery() {
        func ok(_ auth: String?, _ query: String?, _ tokens: [String] = ["a", "b"], _ stats: String? = "s") -> Bool {
            HTTPEndpoints.authorized(authorization: auth, query: query, tokens: tokens, statsToken: stats)
        }
        #expect(ok(nil, nil, [], "s") && ok(nil, nil, [], nil))
        #expect(ok("Bearer a", nil) && ok(nil, "b") && ok("Bearer s", nil))
        #expect(!ok(nil, nil) && !ok("Bearer x", nil) && !ok(nil, "x") && !ok(nil, "s", ["a"], nil))
    }

    @Test func wssWithASelfSignedCertificate() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ptt-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cert = dir.appendingPathComponent("cert.pem").path, key = dir.appendingPathComponent("key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                             "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        #expect(openssl.terminationStatus == 0)
        try await withRelay({ $0.tlsCert = cert; $0.tlsKey = key }) { relay in
            #expect(relay.address.url.hasPrefix("wss://127.0.0.1:"))
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(cert)
            tls.certificateVerification = .noHostnameVerification
            let a = try await TestClient.connect(relay.url("secure"), tls: tls)
            #expect(try await a.hello("alice")["room"] == .string("secure"))
            await a.close()
        }
    }

    /// The `ptt-relay` executable next to this test bundle.
    static var relayExecutable: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("ptt-relay").path
    }

    /// The test process's environment without PTT_* variables: only the test sets the relay's options.
    static var relayEnvironment: [String: String] { ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PTT_") } }

    @Test func sigtermCloses1001AndExitsZero() async throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.relayExecutable)
        p.environment = Self.relayEnvironment
        p.arguments = ["--bind", "127.0.0.1:0", "--log-format", "json", "--token", "t0ken-s3cret"]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        // The first line says where it listens.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "listening on ws://127.0.0.1:") else { Issue.record("no listening line: \(text)"); return }
        let url = "ws://127.0.0.1:" + text[range.upperBound...].prefix { $0.isNumber }
        let a = try await TestClient.connect(url + "/room", token: "t0ken-s3cret")
        try await a.hello("alice")
        let b = try await TestClient.connect(url + "/room", token: "t0ken-s3cret")
        try await b.hello("bob")
        try await b.send(#"{"t":"chat","text":"a secret message"}"#)
        #expect(try await a.nextObject()["t"] == .string("join"))
        #expect(try await a.nextObject()["text"] == .string("a secret message"))
        await b.close()
        #expect(try await a.nextObject()["t"] == .string("leave"))
        let start = ContinuousClock.now
        kill(p.processIdentifier, SIGTERM)
        let r = try await a.closeCode()
        #expect(r.code == 1001 && r.word == "shutdown")
        while p.isRunning, ContinuousClock.now - start < .seconds(3) { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!p.isRunning)
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(p.terminationReason == .exit && p.terminationStatus == 0)
        // One JSON object per line: join, leave, close with reasons; no contents, names or tokens.
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let lines = log.split(separator: "\n")
        var messages: [String] = []
        for line in lines {
            guard case .object(let o) = try JSONValue.parse(String(line)), case .string(let msg)? = o["msg"] else {
                Issue.record("not a JSON log line: \(line)"); continue
            }
            messages.append(msg)
            if msg == "close", o["code"] == .string("1001") { #expect(o["reason"] == .string("shutdown")) }
        }
        #expect(messages.filter { $0 == "join" }.count == 2)
        #expect(messages.filter { $0 == "leave" }.count == 2)
        #expect(messages.contains("close") && messages.contains("listening") && messages.contains("stopped"))
        for secret in ["a secret message", "alice", "bob", "t0ken-s3cret"] { #expect(!log.contains(secret), "\(secret)") }
    }

    /// Runs `ptt-relay` with `arguments` until it exits (it must fail before serving).
    static func relayFailing(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: relayExecutable)
        p.environment = relayEnvironment
        p.arguments = arguments
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    @Test func invalidConfigurationFailsBeforeBinding() throws {
        let (status, text) = try Self.relayFailing(["--bind", "127.0.0.1:0", "--floor", "loud"])
        #expect(status != 0)
        #expect(text.contains("--floor: floor must be open or single, not 'loud'"))
    }

    /// Started with a low soft limit on open files, the relay raises it to the hard limit.
    @Test func raisesTheOpenFileLimit() async throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
        p.arguments = ["--nofile=256:", Self.relayExecutable, "--bind", "127.0.0.1:0"]
        p.environment = Self.relayEnvironment
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { p.terminate() }; p.waitUntilExit() }
        _ = out.fileHandleForReading.availableData   // the "listening on" line: limits are set by then
        let limits = try String(contentsOfFile: "/proc/\(p.processIdentifier)/limits", encoding: .utf8)
        let row = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") })
        let numbers = row.split(separator: " ").compactMap { Int($0) }
        try #require(numbers.count == 2 && numbers[1] > 256, "\(row)")
        #expect(numbers[0] == numbers[1], "\(row)")
    }

    @Test func portInUseFailsWithAMessage() async throws {
        try await withRelay { relay in
            let (status, text) = try Self.relayFailing(["--bind", "127.0.0.1:\(relay.address.port)"])
            #expect(status == 1)
            #expect(text.contains("cannot listen on 127.0.0.1:\(relay.address.port): Address already in use\n"), "\(text)")
        }
    }

    /// Log lines, telemetry and recording names write the wall clock in UTC.
    @Test func utcTimeFormats() {
        let t = UTCTime(wallNanos: 1_795_357_805_120_000_000)
        #expect(t.date == "2026-11-22")
        #expect(t.compactTime == "143005.120")
        #expect(t.iso8601 == "2026-11-22T14:30:05.120Z")
        #expect(UTCTime(wallNanos: 0).iso8601 == "1970-01-01T00:00:00.000Z")
    }

    @Test func connectionTimeoutsCheckedAbout4TimesWithinTheShortest() {
        var limits = RelayConnection.Limits()
        #expect(RelayServer.connectionTickEvery(limits) == 5)
        limits.idleTimeout = 400_000_000
        #expect(RelayServer.connectionTickEvery(limits) == 2)
        limits.helloTimeout = 50_000_000
        #expect(RelayServer.connectionTickEvery(limits) == 1)
    }

    @Test func statsTokenAsBearerOrQuery() {
        func ok(_ auth: String?, _ query: String?, _ token: String? = "t") -> Bool {
            StatsEndpoints.authorized(authorization: auth, query: query, token: token)
        }
        #expect(ok(nil, nil, nil))
        #expect(ok("Bearer t", nil) && ok("bearer  t", nil) && ok(nil, "t"))
        #expect(ok("Bearer wrong", "t"))
        #expect(!ok(nil, nil) && !ok("Bearer x", nil) && !ok("Basic t", nil) && !ok(nil, "x") && !ok("t", nil))
    }

    @Test func upgradeDecisions() {
        func d(_ auth: String?, _ protos: [String], _ path: String, _ tokens: [String] = ["t"]) -> UpgradeCheck.Decision {
            UpgradeCheck.decide(authorization: auth, protocols: protos, path: path, tokens: tokens, connections: 0, maxConnections: 10)
        }
        #expect(d("Bearer t", ["chat, ptt.v1"], "/r") == .accept(room: "r", op: false))
        #expect(d("bearer  t", ["ptt.v1"], "/r") == .accept(room: "r", op: false))
        #expect(d("Basic t", ["ptt.v1"], "/r") == .refuse(status: 401, headers: [("WWW-Authenticate", "Bearer")], why: "wrong token"))
        #expect(d(nil, ["ptt.v1"], "/r", []) == .accept(room: "r", op: false))
        #expect(d(nil, ["ptt.v2"], "/r", []) == .refuse(status: 400, headers: [], why: "subprotocol ptt.v1 not offered"))
        #expect(UpgradeCheck.decide(authorization: nil, protocols: ["ptt.v1"], path: "/r", tokens: [], connections: 36, maxConnections: 10)
            == .refuse(status: 503, headers: [("Retry-After", "10")], why: "too many connections"))
        // An operator token is an operator, and lets its holder in where tokens are required.
        func o(_ auth: String?, _ tokens: [String]) -> UpgradeCheck.Decision {
            UpgradeCheck.decide(authorization: auth, protocols: ["ptt.v1"], path: "/r", tokens: tokens, operatorTokens: ["op"], connections: 0, maxConnections: 10)
        }
        #expect(o("Bearer op", ["t"]) == .accept(room: "r", op: true))
        #expect(o("Bearer op", []) == .accept(room: "r", op: true))
        #expect(o("Bearer t", ["t"]) == .accept(room: "r", op: false))
        #expect(o(nil, []) == .accept(room: "r", op: false))
        #expect(o("Bearer x", ["t"]) == .refuse(status: 401, headers: [("WWW-Authenticate", "Bearer")], why: "wrong token"))
    }
}
