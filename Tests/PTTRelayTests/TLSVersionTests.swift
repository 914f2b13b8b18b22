import Foundation
import Testing

/// What TLS a relay accepts, asked with `openssl s_client`: 1.2 with forward-secret AEAD
/// suites, and 1.3; never 1.0, 1.1, or 1.2 with RSA key exchange.
@Suite(.timeLimit(.minutes(1))) struct TLSVersionTests {
    /// Runs `openssl` with `arguments` and stdin closed; its exit status (killed after 10 s).
    static func openssl(_ arguments: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = arguments
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(10)
        while p.isRunning, Date() < deadline { usleep(10_000) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        return p.terminationStatus
    }

    @Test func onlyTLS12WithForwardSecrecyAndTLS13() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ptt-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cert = dir.appendingPathComponent("cert.pem").path, key = dir.appendingPathComponent("key.pem").path
        // RSA, so that suites with RSA key exchange (AES128-SHA) would be possible at all.
        #expect(try Self.openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                                  "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert]) == 0)
        try await withRelay({ $0.tlsCert = cert; $0.tlsKey = key }) { relay async throws in
            let connect = ["s_client", "-connect", "127.0.0.1:\(relay.address.port)", "-brief"]
            #expect(try Self.openssl(connect + ["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"]) != 0, "TLS 1.0")
            #expect(try Self.openssl(connect + ["-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"]) != 0, "TLS 1.1")
            #expect(try Self.openssl(connect + ["-tls1_2", "-cipher", "AES128-SHA:@SECLEVEL=0"]) != 0, "AES128-SHA")
            #expect(try Self.openssl(connect + ["-tls1_2", "-cipher", "AES128-GCM-SHA256:@SECLEVEL=0"]) != 0, "RSA key exchange")
            #expect(try Self.openssl(connect + ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"]) == 0, "TLS 1.2, ECDHE")
            #expect(try Self.openssl(connect + ["-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305"]) == 0, "TLS 1.2, ChaCha20")
            #expect(try Self.openssl(connect + ["-tls1_3"]) == 0, "TLS 1.3")
        }
    }
}
