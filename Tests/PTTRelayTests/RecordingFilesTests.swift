import Foundation
import Testing

/// With `--record`, the relay's open files stay bounded however many rooms come and go.
@Suite(.timeLimit(.minutes(2))) struct RecordingFilesTests {
    @Test func churningRoomsKeepsOpenFilesBounded() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ptt-churn-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let relay = try RelayProcess(["--record", dir])
        defer { relay.stop() }
        let before = relay.openFiles.count
        // Unlisted rooms, one member each, joining and leaving.
        for n in 0..<300 {
            let c = try await TestClient.connect(relay.url("_churn\(n)"))
            try await c.hello("m")
            await c.close()
        }
        // The recorder writes behind the relay: wait for it to close what the rooms left open.
        func logsWritten() -> Int {
            let rooms = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            return rooms.filter { room in
                let days = (try? FileManager.default.contentsOfDirectory(atPath: "\(dir)/\(room)")) ?? []
                let log = days.first.flatMap { try? String(contentsOfFile: "\(dir)/\(room)/\($0)/telemetry.jsonl", encoding: .utf8) } ?? ""
                return log.contains(#""event":"leave""#)
            }.count
        }
        var telemetry = Int.max, total = Int.max, written = 0
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            let files = relay.openFiles
            telemetry = files.filter { $0.hasSuffix("telemetry.jsonl") }.count
            total = files.count
            written = logsWritten()
            if written == 300 && telemetry == 0 && total < before + 16 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        // Each room wrote its log, up to its member's leave, and closed it.
        #expect(written == 300)
        #expect(telemetry == 0, "telemetry logs still open")
        #expect(total < before + 16, "open files: \(before) before, \(total) after")
        // And a newcomer still gets in.
        let late = try await TestClient.connect(relay.url("late"))
        #expect(try await late.hello("late")["t"] == .string("welcome"))
        await late.close()
    }
}
