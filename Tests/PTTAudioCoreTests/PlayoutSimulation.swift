@testable import PTTAudioCore

/// One speaker's receive path, end to end on a manual clock: packets arrive from a
/// `NetworkModel`, a simulated device pulls periods (steadily, or in bursts as PulseAudio
/// does), a decoded queue of real audio (`TestSignal.speech`) feeds it, and the controller's
/// decisions run the time stretcher on that queue, as a receiver would.
///
/// Measured independently of the controller: the latency of every pull (the time since the
/// sender captured the sample about to play, on the sender's clock), underruns, drops, and
/// the playback rate (content consumed per sample of audio played).
struct PlayoutSimulation {
    enum Device {
        case steady
        /// `periods` periods pulled back to back (100 µs apart), then a pause as long as they are.
        case bursty(periods: Int)
    }

    var network = NetworkModel()
    var device = Device.steady
    /// Device clock error: positive pulls faster than the receiver's clock.
    var devicePPM = 0.0
    var periodFrames = 480
    var seconds = 30.0
    /// Talk spurts of this long with `pauseNanos` of silence between (0: one spurt throughout).
    var spurtNanos = 0
    var pauseNanos = 0
    var configuration = PlayoutController.Configuration()

    /// Times are `Int` nanoseconds of the simulation's clock, passed to the controller as `UInt64`.
    struct Pull {
        var time: Int
        /// Since the sender captured the sample about to play.
        var latency: Int
        var concealed: Int
        /// Content consumed by this pull beyond the audio it played (removed by the stretcher) or
        /// short of it (added).
        var stretch: Int
        /// Quiet frames dropped whole (pauses of a backlog), in samples: not played faster, gone.
        var dropped = 0
    }

    struct Result {
        var pulls: [Pull] = []
        /// When playing started (the first pull that played).
        var start = 0
        var droppedFrames = 0
        var statistics = PlayoutController.Statistics()

        /// Times of pulls that concealed, from `after`.
        func underruns(after: Int) -> [Int] { pulls.filter { $0.time >= after && $0.concealed > 0 }.map(\.time) }

        /// Mean latency of the pulls in [from, to).
        func latency(from: Int, to: Int) -> Int {
            let window = pulls.filter { $0.time >= from && $0.time < to }
            return window.isEmpty ? 0 : window.reduce(0) { $0 + $1.latency } / window.count
        }

        /// Lowest and highest playback rate over 1 s windows (starting every 100 ms) from `after`:
        /// content consumed per sample of content-carrying audio played (the speed at which what
        /// is heard plays; dropped pauses are not heard). Windows that played under half a
        /// second of content (in a stall) are skipped.
        func rateRange(after: Int, periodFrames: Int) -> (low: Double, high: Double) {
            var low = Double.infinity, high = 0.0
            guard let end = pulls.last?.time else { return (1, 1) }
            var lower = 0
            var start = after
            while start + 1_000 * ms <= end {
                while pulls[lower].time < start { lower += 1 }
                var played = 0, consumed = 0
                var i = lower
                while i < pulls.count && pulls[i].time < start + 1_000 * ms {
                    played += periodFrames - pulls[i].concealed
                    consumed += periodFrames - pulls[i].concealed + pulls[i].stretch
                    i += 1
                }
                if played >= 24_000 {
                    let rate = Double(consumed) / Double(played)
                    low = min(low, rate)
                    high = max(high, rate)
                }
                start += 100 * ms
            }
            return (low, high)
        }
    }

    func run() -> Result {
        let frameSamples = network.frameNanos * 3 / 62_500
        let end = Int(seconds * Double(1_000 * ms))
        // Each spurt: when the sender starts it, and its packets' arrival times.
        let spurtLength = spurtNanos > 0 ? spurtNanos : end + 1_000 * ms
        let spurts = stride(from: 0, to: end, by: spurtLength + pauseNanos).map { start in
            (start: start, arrivals: network.arrivals(count: spurtLength / network.frameNanos, start: start))
        }
        let speech = TestSignal.speech
        var controller = PlayoutController(configuration)
        var stretcher = TimeStretcher()
        var result = Result()

        var spurt = -1
        var arrivals: [Int] = []
        var next = 0
        var decoded = 0
        var queue: [Int16] = []
        var scratch: [Int16] = []
        queue.reserveCapacity(8_192)
        scratch.reserveCapacity(8_192)
        var contentEnd = 0
        var playing = false
        var finished = true
        var stretch = 0
        var dropped = 0

        func decode(_ index: Int, at now: Int) {
            let first = index * frameSamples
            for k in 0..<frameSamples { queue.append(speech[(first + k) % speech.count]) }
            contentEnd += frameSamples
            let frame = queue[(queue.count - frameSamples)...]
            switch controller.decide(frameSamples: frameSamples, at: UInt64(now), isQuiet: TestSignal.rms(frame) < 0.0056) {
            case .normal:
                break
            case .accelerate(let limit):
                scratch.removeAll(keepingCapacity: true)
                let removed = stretcher.accelerate(queue[...], limit: limit, into: &scratch)
                if removed > 0 {
                    swap(&queue, &scratch)
                    controller.accelerated(removing: removed)
                    stretch += removed
                }
            case .slowDown(let limit):
                scratch.removeAll(keepingCapacity: true)
                let added = stretcher.expand(queue[...], limit: limit, into: &scratch)
                if added > 0 {
                    swap(&queue, &scratch)
                    controller.slowedDown(adding: added)
                    stretch -= added
                }
            case .dropAtPause:
                queue.removeLast(frameSamples)
                controller.dropped(samples: frameSamples)
                dropped += frameSamples
                result.droppedFrames += 1
            }
        }

        let periodNanos = Double(periodFrames * 62_500) / 3 / (1 + devicePPM / 1_000_000)
        let burst: Int
        switch device {
        case .steady: burst = 1
        case .bursty(let periods): burst = periods
        }
        var cycle = 0
        while true {
            let cycleStart = 3 * ms + Int((Double(cycle * burst) * periodNanos).rounded())
            if cycleStart >= end { break }
            cycle += 1
            for p in 0..<burst {
                let now = cycleStart + p * 100 * us
                if finished, spurt + 1 < spurts.count, spurts[spurt + 1].arrivals[0] <= now {
                    // The previous spurt has played out: the next one begins.
                    spurt += 1
                    arrivals = spurts[spurt].arrivals
                    next = 0
                    decoded = 0
                    contentEnd = 0
                    playing = false
                    finished = false
                    controller.beginSpurt()
                }
                while next < arrivals.count && arrivals[next] <= now {
                    controller.packetArrived(index: next, frameNanos: network.frameNanos, at: UInt64(arrivals[next]))
                    next += 1
                }
                if finished { continue }
                if !playing {
                    // Start once the first packet has waited the target (D starts at the target).
                    guard next > 0, now - arrivals[0] >= controller.targetNanos else { continue }
                    playing = true
                    if result.start == 0 { result.start = now }
                }
                let level = queue.count + (next - decoded) * frameSamples
                controller.willRender(levelNanos: level * 62_500 / 3, frames: periodFrames, at: UInt64(now))
                while queue.count < periodFrames && decoded < next {
                    decode(decoded, at: now)
                    decoded += 1
                }
                var concealed = 0
                if queue.count < periodFrames {
                    if decoded == arrivals.count {
                        // The spurt is over: the rest of the period is silence, not an underrun.
                        queue.removeAll()
                        finished = true
                        continue
                    }
                    concealed = periodFrames - queue.count
                    queue.append(contentsOf: repeatElement(0, count: concealed))
                    controller.concealed(samples: concealed)
                }
                let position = contentEnd - queue.count
                let captured = spurts[spurt].start + Int((Double(position * 62_500) / 3 * (1 + network.senderPPM / 1_000_000)).rounded())
                result.pulls.append(Pull(time: now, latency: now - captured, concealed: concealed, stretch: stretch, dropped: dropped))
                stretch = 0
                dropped = 0
                queue.removeFirst(periodFrames)
            }
        }
        result.statistics = controller.statistics
        return result
    }
}
