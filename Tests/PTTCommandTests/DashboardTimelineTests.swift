import Foundation
import PTTProtocol
import PTTTestSupport
import Testing

/// The dashboard's timeline in a real browser: a relay on 127.0.0.1, alice and bob talk one
/// after the other, carol is talking when the page is taken; headless Chromium renders it.
@Suite(.serialized) struct DashboardTimelineTests {
    func run(_ tool: String, _ args: [String], input: Data? = nil) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let out = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        p.standardInput = input == nil ? FileHandle.nullDevice : inp
        try p.run()
        if let input {
            inp.fileHandleForWriting.write(input)
            try inp.fileHandleForWriting.close()
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func curl(_ args: [String]) throws -> (Int32, String) {
        try run("/usr/bin/curl", ["-s", "--noproxy", "*", "--max-time", "10"] + args)
    }

    /// The stats' member `name` of room `room`, if listed.
    func member(_ name: String, room: String, port: Int) throws -> JSONObject? {
        let (_, body) = try curl(["http://127.0.0.1:\(port)/stats"])
        guard case .object(let stats)? = try? JSONValue.parse(body), case .array(let rooms)? = stats["rooms"] else { return nil }
        for case .object(let r) in rooms where r["name"] == .string(room) {
            guard case .array(let members)? = r["members"] else { return nil }
            for case .object(let m) in members where m["name"] == .string(name) { return m }
        }
        return nil
    }

    func seconds(_ v: JSONValue?) -> Double { if case .number(let t)? = v { return Double(t) ?? -1 } else { return -1 } }

    /// Pixels of the PNG at `path` within 8 of `rgb` in every channel, and its size (python3's
    /// zlib decodes it: Foundation on Linux has no PNG reader).
    func pixels(of rgb: (Int, Int, Int), in path: String) throws -> (count: Int, width: Int, height: Int) {
        let script = #"""
import sys, zlib, struct
data = open(sys.argv[1], "rb").read()
r, g, b = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
pos, idat, w, h, ct = 8, b"", 0, 0, 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
    if kind == b"IHDR": w, h, depth, ct = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT": idat += body
bpp = {2: 3, 6: 4}[ct]
raw, stride, prev, count, i = zlib.decompress(idat), w * bpp, bytearray(w * bpp), 0, 0
for y in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0; up = prev[x]; c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + up) & 255
        elif f == 3: line[x] = (line[x] + (a + up) // 2) & 255
        elif f == 4:
            p = a + up - c; pa, pb, pc = abs(p - a), abs(p - up), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else (up if pb <= pc else c))) & 255
    for x in range(0, stride, bpp):
        if abs(line[x] - r) <= 8 and abs(line[x + 1] - g) <= 8 and abs(line[x + 2] - b) <= 8: count += 1
    prev = line
print(count, w, h)
"""#
        let (status, out) = try run("/usr/bin/python3", ["-c", script, path, String(rgb.0), String(rgb.1), String(rgb.2)])
        let n = out.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard status == 0, n.count == 3 else { throw TestFailure("cannot read \(path): \(out)") }
        return (n[0], n[1], n[2])
    }

    @Test func timelineShowsWhoTalkedWhen() async throws {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let chromium else { Issue.record("chromium is not installed (make deps installs it)"); return }
        let tmp = try TemporaryDirectory()
        try TestSignal.writeWAV(TestSignal.speechLike(seconds: 2, pad: 0), to: tmp.path("alice.wav"))
        try TestSignal.writeWAV(TestSignal.speechLike(seconds: 1, pad: 0, pitch: 330, syllablesPerSecond: 5), to: tmp.path("bob.wav"))
        try TestSignal.writeWAV(TestSignal.speechLike(seconds: 20, pad: 0), to: tmp.path("carol.wav"))
        let (relay, port) = try await startRelay()
        defer { relay.stop() }
        let url = "ws://127.0.0.1:\(port)"
        for name in ["alice", "bob"] {
            let send = try ChildProcess("ptt", ["send", "team", name, tmp.path(name + ".wav"), "--relay", url])
            #expect(await send.waitForExit(timeout: .seconds(15)) == 0, "\(send.errorText)")
        }
        // Carol talks while the page is taken: her spurt counts as it goes.
        let carol = try ChildProcess("ptt", ["send", "team", "carol", tmp.path("carol.wav"), "--relay", url])
        defer { carol.stop() }
        let talking = await eventually(timeout: .seconds(10)) {
            guard let m = try? member("carol", room: "team", port: port) else { return false }
            return m["talking"] == .bool(true) && seconds(m["talk_seconds"]) >= 1
        }
        #expect(talking, "carol never showed as talking with her spurt counted")
        if let m = try member("carol", room: "team", port: port), case .int(let last)? = m["last_active_ms"] {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            #expect(abs(now - last) < 1500, "carol, talking, was last active \(now - last) ms ago")
        }

        // The markup: one lane per member, a bar per spurt, carol's under way.
        let (_, headers) = try curl(["-D", "-", "-o", "/dev/null", "http://127.0.0.1:\(port)/"])
        #expect(headers.lowercased().contains("content-security-policy: default-src 'none'"), "\(headers)")
        let (_, page) = try curl(["http://127.0.0.1:\(port)/"])
        func count(_ s: String) -> Int { page.components(separatedBy: s).count - 1 }
        #expect(count(#"<svg class="timeline""#) == 1)
        #expect(count(#"<g class="lane""#) == 3)
        for name in ["alice", "bob", "carol"] { #expect(page.contains(#"<g class="lane" data-member="\#(name)""#), "\(name)") }
        #expect(count(#"<rect class="spurt""#) == 2 && count(#"class="spurt talking""#) == 1, "\(page)")
        #expect(!page.contains("<script"))

        // A real browser draws it.
        let shot = tmp.path("dashboard.png")
        let flags = ["--headless", "--no-sandbox", "--no-proxy-server", "--disable-gpu", "--disable-dev-shm-usage",
                     "--hide-scrollbars", "--force-device-scale-factor=1", "--user-data-dir=\(tmp.path("chrome"))"]
        let (status, _) = try run("/usr/bin/timeout", ["60", chromium] + flags + ["--window-size=1200,900", "--screenshot=\(shot)", "http://127.0.0.1:\(port)/"])
        #expect(status == 0)
        let lanes = try pixels(of: (0x1f, 0x8a, 0x70), in: shot)
        #expect(lanes.width == 1200 && lanes.height == 900)
        // Two bars at least 4 px wide and 14 px high (3 whole columns and 12 rows each after
        // antialiasing and rounded corners): more than one bar could give.
        #expect(lanes.count >= 60, "\(lanes.count) pixels of the lanes' colour")
        let running = try pixels(of: (0xc0, 0x39, 0x2b), in: shot)
        #expect(running.count >= 14, "\(running.count) pixels of the talking colour")
    }
}
