import Foundation
import PTTTestSupport
import Testing

/// Trusting a `wss://` relay with a self-signed certificate, as a new user meets it: the refusal
/// says why in words with the certificate's fingerprint (the one the relay prints and openssl
/// computes), `ptt trust` pins it, a changed certificate is refused loudly, and `--tls-ca` works.
@Suite(.serialized) struct TrustTests {
    /// A self-signed certificate for 127.0.0.1 and localhost, and its fingerprint as openssl prints it.
    static func certificate(_ dir: TemporaryDirectory, _ name: String) throws -> (cert: String, key: String, fingerprint: String) {
        let cert = dir.path("\(name).pem"), key = dir.path("\(name).key")
        try run("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                     "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                                     "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        let out = try run("/usr/bin/openssl", ["x509", "-in", cert, "-noout", "-fingerprint", "-sha256"])
        let fingerprint = String(out.split(separator: "=").last ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return (cert, key, fingerprint)
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let (status, output) = try runTool(tool, arguments)
        guard status == 0 else { throw TestFailure("\(tool) \(arguments) failed") }
        return output
    }

    static func relay(_ tls: (cert: String, key: String, fingerprint: String), port: Int = 0) async throws -> (ChildProcess, Int) {
        let relay = try ChildProcess("ptt-relay", ["--bind", "127.0.0.1:\(port)", "--tls-cert", tls.cert, "--tls-key", tls.key])
        guard let line = await relay.waitForLine(timeout: .seconds(15), { $0.hasPrefix("listening on ") }),
              let bound = line.split(separator: ":").last.flatMap({ Int($0) }) else {
            relay.stop()
            throw TestFailure("relay did not start: \(relay.errorText)")
        }
        return (relay, bound)
    }

    @Test func aSelfSignedRelayIsExplainedPinnedAndAChangeIsRefused() async throws {
        let dir = try TemporaryDirectory()
        let first = try Self.certificate(dir, "first")
        #expect(first.fingerprint.count == 95, "\(first.fingerprint)")
        var (relay, port) = try await Self.relay(first)
        // The relay prints the fingerprint people compare.
        #expect(await relay.waitForLine { $0 == "TLS certificate SHA-256 fingerprint: \(first.fingerprint)" } != nil, "\(relay.output)")
        let url = "wss://127.0.0.1:\(port)"
        var env = testALSAEnvironment
        env["XDG_STATE_HOME"] = dir.path("state")
        func join(_ extra: [String] = []) throws -> ChildProcess {
            try ChildProcess("ptt", ["join", "r", "alice", "--json", "--listen", "--relay", url] + extra, environment: env)
        }

        // Not trusted: said in words, with the fingerprint and what to do; no BoringSSL dump, no retrying.
        let refused = try join()
        #expect(await refused.waitForExit(timeout: .seconds(15)) == 1)
        #expect(refused.errorText.contains("is not trusted") && refused.errorText.contains(first.fingerprint), "\(refused.errorText)")
        #expect(refused.errorText.contains("ptt trust \(url)") && refused.errorText.contains("--tls-ca"), "\(refused.errorText)")
        #expect(!refused.errorText.contains("BoringSSL") && !refused.errorText.contains("handshake.cc"), "\(refused.errorText)")

        // ptt trust: without a terminal it asks for the fingerprint; a wrong one is refused.
        let unasked = try ChildProcess("ptt", ["trust", url], environment: env)
        #expect(await unasked.waitForExit(timeout: .seconds(15)) == 1)
        #expect(unasked.errorText.contains("--fingerprint \(first.fingerprint)"), "\(unasked.errorText)")
        let wrong = try ChildProcess("ptt", ["trust", url, "--fingerprint", String(repeating: "ab", count: 32)], environment: env)
        #expect(await wrong.waitForExit(timeout: .seconds(15)) == 1)
        #expect(wrong.errorText.contains("refused"), "\(wrong.errorText)")
        let typed = first.fingerprint.replacingOccurrences(of: ":", with: "").lowercased()
        let trusted = try ChildProcess("ptt", ["trust", url, "--fingerprint", typed], environment: env)
        #expect(await trusted.waitForExit(timeout: .seconds(15)) == 0, "\(trusted.errorText)")
        let known = try String(contentsOfFile: dir.path("state/ptt/known_relays"), encoding: .utf8)
        #expect(known.contains("127.0.0.1:\(port) \(first.fingerprint)"), "\(known)")

        // Pinned: the self-signed relay is joined.
        let joined = try join()
        #expect(await joined.waitForLine(timeout: .seconds(15)) { $0.contains(#""event":"ready""#) } != nil, "\(joined.errorText)")
        joined.send("quit")
        #expect(await joined.waitForExit() == 0)

        // Another certificate on the same address: refused loudly, at once, naming both.
        relay.stop()
        let second = try Self.certificate(dir, "second")
        (relay, port) = try await Self.relay(second, port: port)
        defer { relay.stop() }
        let changed = try join()
        #expect(await changed.waitForExit(timeout: .seconds(15)) == 1)
        #expect(changed.errorText.contains("HAS CHANGED") && changed.errorText.contains(first.fingerprint)
                && changed.errorText.contains(second.fingerprint), "\(changed.errorText)")
        // ptt trust does not replace a pin without --replace.
        let keep = try ChildProcess("ptt", ["trust", url, "--fingerprint", second.fingerprint], environment: env)
        #expect(await keep.waitForExit(timeout: .seconds(15)) == 1)
        #expect(keep.errorText.contains("--replace"), "\(keep.errorText)")

        // --tls-ca with the relay's certificate works where nothing is pinned.
        var fresh = env
        fresh["XDG_STATE_HOME"] = dir.path("fresh")
        let ca = try ChildProcess("ptt", ["join", "r", "bob", "--json", "--listen", "--relay", url, "--tls-ca", second.cert], environment: fresh)
        #expect(await ca.waitForLine(timeout: .seconds(15)) { $0.contains(#""event":"ready""#) } != nil, "\(ca.errorText)")
        ca.send("quit")
        #expect(await ca.waitForExit() == 0)
    }
}
