import Glibc

/// Points ALSA at Resources/alsa/ptt-test.conf (the `file`-plugin devices). Suites that use
/// it are serialized: TEST_ALSA_IN / TEST_ALSA_OUT are process-wide.
enum TestALSA {
    static let root: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)   // Tests/PTTAudioTests/TestALSA.swift
        return parts.joined(separator: "/")
    }()

    static let config = root + "/Resources/alsa/ptt-test.conf"

    static func use(input: String = "/dev/zero", output: String = "/dev/null") {
        setenv("ALSA_CONFIG_PATH", "/usr/share/alsa/alsa.conf:" + config, 1)
        setenv("TEST_ALSA_IN", input, 1)
        setenv("TEST_ALSA_OUT", output, 1)
    }

    static func tempPath(_ name: String) -> String {
        "/tmp/ptt-audio-test-\(getpid())-\(name)"
    }

    static func writeFile(_ path: String, _ samples: [Int16]) {
        guard let f = fopen(path, "wb") else { return }
        defer { fclose(f) }
        samples.withUnsafeBufferPointer { p in _ = fwrite(p.baseAddress, 2, p.count, f) }
    }

    static func readFile(_ path: String) -> [Int16] {
        guard let f = fopen(path, "rb") else { return [] }
        defer { fclose(f) }
        var out: [Int16] = []
        var chunk = [Int16](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBufferPointer { fread($0.baseAddress, 2, 4096, f) }
            if n == 0 { break }
            out += chunk[0..<n]
        }
        return out
    }
}
