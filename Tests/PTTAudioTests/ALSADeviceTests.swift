import Glibc
import PTTProtocol
import PTTSystem
import Testing
@testable import PTTAudio

/// Real ALSA through the `file` plugin: byte-exact where no codec is involved, paced in real time.
@Suite(.serialized) struct ALSADeviceTests {
    @Test func playbackWritesExactlyWhatWasPlayed() throws {
        let out = TestALSA.tempPath("play.raw")
        defer { unlink(out) }
        TestALSA.use(output: out)
        let dev = try ALSADevice.openPlayback("default", periodMillis: 10)
        #expect(dev.periodFrames == 480)
        #expect(!dev.isRealTime)
        let pcm = (0..<(480 * 25)).map { Int16(truncatingIfNeeded: $0 &* 7919) }
        for p in 0..<25 { try dev.write(Array(pcm[(p * 480)..<((p + 1) * 480)])) }
        dev.drain()
        dev.close()
        #expect(TestALSA.readFile(out) == pcm)
    }

    @Test func captureReadsExactlyTheInputFile() throws {
        let input = TestALSA.tempPath("cap.raw")
        defer { unlink(input) }
        let pcm = (0..<(240 * 40)).map { Int16(truncatingIfNeeded: $0 &* 104_729) }
        TestALSA.writeFile(input, pcm + [Int16](repeating: 0, count: 4800))
        TestALSA.use(input: input)
        let dev = try ALSADevice.openCapture("default", periodMillis: 5)
        #expect(dev.periodSamples == 240)
        var got: [Int16] = []
        var buf = [Int16](repeating: 0, count: dev.periodSamples)
        for _ in 0..<40 {
            try dev.read(into: &buf)
            got += buf
        }
        dev.close()
        #expect(got == pcm)
        #expect(dev.xruns == 0)
    }

    @Test func missingDeviceNamesItAndListsTheOthers() {
        TestALSA.use()
        do {
            _ = try ALSADevice.openCapture("ptt_missing_mic")
            Issue.record("opened a device that does not exist")
        } catch {
            let text = error.description
            #expect(text.contains("'ptt_missing_mic'"))
            #expect(text.contains("capture"))
            #expect(text.contains("Available capture devices:"))
            #expect(text.contains("default"))
            #expect(text.contains("--input"))
        }
    }

    @Test func deviceListHasDescriptionsAndDirections() throws {
        TestALSA.use()
        let list = try DeviceList.all()
        let null = list.first { $0.name == "null" }
        #expect(null != nil)
        #expect(null?.description.isEmpty == false)
        #expect(list.contains { $0.name == "default" && $0.capture && $0.playback })
    }

    @Test func playbackEnginePacesANonBlockingDevice() async throws {
        let out = TestALSA.tempPath("paced.raw")
        defer { unlink(out) }
        TestALSA.use(output: out)
        let engine = PlaybackEngine(device: "default", periodMillis: 10) { buffer, frames in
            for i in 0..<frames { buffer[i] = 1000 }
        }
        let start = MonotonicClock.now()
        engine.start()
        while engine.frames < 48_000 && MonotonicClock.now() - start < 5_000_000_000 { await pause(2_000_000) }
        let elapsed = Double(MonotonicClock.now() - start) / 1e9
        engine.stop()
        #expect(engine.status == .stopped)
        // One second of audio took about a second (the device buffer may run a little ahead).
        #expect(elapsed >= 0.9, "1 s of audio in \(elapsed) s")
        #expect(elapsed < 3.0)
        let written = TestALSA.readFile(out)
        #expect(written.count >= 48_000)
        // What was rendered, and nothing else; under heavy load an xrun's recovery may add a
        // little silence (ALSA fills the restarted buffer), never other values.
        #expect(written.allSatisfy { $0 == 1000 || $0 == 0 })
        let silent = written.filter { $0 == 0 }.count
        #expect(engine.xruns > 0 ? silent <= written.count / 20 : silent == 0, "\(silent) silent samples, \(engine.xruns) xruns")
    }

    @Test func captureEnginePacesANonBlockingDevice() async throws {
        TestALSA.use()
        let engine = CaptureEngine(device: "default", periodMillis: 10, ringMillis: 2000)
        let start = MonotonicClock.now()
        engine.start()
        await pause(500_000_000)
        let got = engine.ring.available
        engine.stop()
        let elapsed = Double(MonotonicClock.now() - start) / 1e9
        // /dev/zero could be read at gigabytes per second; paced, it gives real time.
        #expect(Double(got) <= elapsed * 48_000 + 480 * 2, "\(got) samples in \(elapsed) s")
        #expect(got >= 48_000 / 4)
    }

    @Test func unavailableDeviceIsRetriedAndReported() async throws {
        TestALSA.use()
        let statuses = Box<[DeviceStatus]>([])
        let engine = CaptureEngine(device: "ptt_missing_mic", periodMillis: 10)
        engine.onStatusChange { s in statuses.mutate { $0.append(s) } }
        engine.start()
        await pause(600_000_000)
        engine.stop()
        let seen = statuses.value
        guard case .unavailable(let message, let retry)? = seen.first else {
            Issue.record("no unavailable status: \(seen)")
            return
        }
        #expect(message.contains("ptt_missing_mic"))
        #expect(retry == 250)
        // A second attempt after 250 ms reported a longer backoff.
        #expect(seen.contains(.unavailable(message: message, retryInMillis: 500)))
        #expect(seen.last == .stopped)
    }
}

/// A value shared with callbacks on audio threads.
final class Box<T>: @unchecked Sendable {
    private let lock = ConditionLock()
    private var v: T
    init(_ v: T) { self.v = v }
    var value: T { lock.withLock { v } }
    func mutate(_ f: (inout T) -> Void) { lock.withLock { f(&v) } }
}
