import Glibc
import Logging
import PTTSystem
import Testing

/// The lines the relay and `ptt join --log-file` write, byte for byte.
@Suite struct LogLineTests {
    @Test func textAndJSONLinesWithTheirMetadataInKeyOrder() {
        let t: Int64 = 1_795_357_805_120_000_000   // 2026-11-22T14:30:05.120Z
        #expect(LogLine.render(.text, wallNanos: t, level: "info", message: "join", metadata: ["room": "x", "id": "7"])
                == "2026-11-22T14:30:05.120Z info join id=7 room=x")
        #expect(LogLine.render(.json, wallNanos: t, level: "warning", message: "say \"hi\"", metadata: ["room": "x", "msg": "clash"])
                == #"{"ts":"2026-11-22T14:30:05.120Z","level":"warning","msg":"say \"hi\"","room":"x"}"#)
    }

    @Test func theHandlerWritesOneLinePerEventAtItsLevel() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let logger = Logger(label: "test") { _ in LineLogHandler(level: .notice, format: .json, fd: fds[1]) }
        logger.info("not at this level")
        logger.warning("kept", metadata: ["room": "lobby"])
        close(fds[1])
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(fds[0], &buffer, buffer.count)
        close(fds[0])
        let lines = String(decoding: buffer[0..<max(n, 0)], as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasSuffix(#""level":"warning","msg":"kept","room":"lobby"}"#) == true, "\(lines)")
    }
}
