import Glibc
import Testing
@testable import PTTAudio

@Suite struct ThreadingTests {
    /// Reads the calling thread's name as the kernel keeps it.
    static func currentName() -> String {
        let fd = open("/proc/thread-self/comm", O_RDONLY)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 64)
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return String(decoding: bytes.prefix(max(n, 0)).prefix { $0 != 0x0A }, as: UTF8.self)
    }

    @Test func audioThreadsCarryTheirNameCutToWhatLinuxKeeps() {
        let seen = Box<[String]>([])
        for name in ["ptt-capture", "a-name-longer-than-fifteen-bytes"] {
            let t = AudioThread(name: name) { seen.mutate { $0.append(Self.currentName()) } }
            t.join()
        }
        #expect(seen.value == ["ptt-capture", "a-name-longer-t"])
    }
}
