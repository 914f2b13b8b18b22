import Testing
@testable import PTTAudioCore

/// Everything together: simulated networks and devices, real audio through the stretcher
/// (20 ms frames, 10 ms periods; see `PlayoutSimulation`).
@Suite struct PlayoutSimulationTests {
    static let pulseAudio = PlayoutSimulation.Device.bursty(periods: 4)

    /// Checks shared by every scenario: no underrun after the first second (unless the network
    /// stalls), nothing dropped (a stall's backlog may lose pauses: quiet frames only, as the
    /// simulation drops only what it measured quiet), and the rate within 0.8–1.3× over any second.
    static func expectSound(_ result: PlayoutSimulation.Result, stalls: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) {
        if !stalls {
            #expect(result.underruns(after: result.start + 1_000 * ms).isEmpty, sourceLocation: sourceLocation)
        }
        if !stalls {
            #expect(result.droppedFrames == 0, sourceLocation: sourceLocation)
        }
        let rate = result.rateRange(after: result.start, periodFrames: 480)
        #expect(rate.low >= 0.8 && rate.high <= 1.3, "rate \(rate)", sourceLocation: sourceLocation)
    }

    /// Highest minus lowest of the latency's one-second means from `after` to the end.
    static func latencySpread(_ result: PlayoutSimulation.Result, after: Int) -> Int {
        let end = result.pulls.last!.time
        let means = stride(from: after, to: end - 1_000 * ms, by: 1_000 * ms).map { result.latency(from: $0, to: $0 + 1_000 * ms) }
        return means.max()! - means.min()!
    }

    @Test func aSteadyDeviceOnAQuietNetwork() {
        let result = PlayoutSimulation(seconds: 20).run()
        Self.expectSound(result)
        // Frame (20 ms) + path (5 ms) + the target of 16 ms (1 + 5 + 10), and a little.
        #expect(abs(result.statistics.targetNanos - 16 * ms) <= 100 * us)
        let latency = result.latency(from: 10_000 * ms, to: 20_000 * ms)
        #expect(latency >= 41 * ms && latency <= 49 * ms)
        #expect(Self.latencySpread(result, after: result.start + 3_000 * ms) <= 1 * ms)
    }

    @Test func aPulseAudioLikeDevice() {
        let steady = PlayoutSimulation(seconds: 20).run()
        let result = PlayoutSimulation(device: Self.pulseAudio, seconds: 20).run()
        Self.expectSound(result)
        #expect(result.statistics.burstNanos >= 29 * ms && result.statistics.burstNanos <= 30 * ms)
        // The burst is not added to the target: the window's lowest delay covers it. On
        // average the audio waits 15 ms more (half the burst): the cost of the bursts.
        #expect(abs(result.statistics.targetNanos - 16 * ms) <= 100 * us)
        let extra = result.latency(from: 10_000 * ms, to: 20_000 * ms) - steady.latency(from: 10_000 * ms, to: 20_000 * ms)
        #expect(extra >= 10 * ms && extra <= 20 * ms)
    }

    @Test func jitterUpTo40ms() {
        for device in [PlayoutSimulation.Device.steady, Self.pulseAudio] {
            let result = PlayoutSimulation(network: NetworkModel(jitterNanos: 40 * ms, seed: 3), device: device, seconds: 60).run()
            Self.expectSound(result)
            #expect(result.statistics.quantileNanos >= 35 * ms && result.statistics.quantileNanos <= 41 * ms)
            #expect(Self.latencySpread(result, after: result.start + 3_000 * ms) <= 10 * ms)
        }
    }

    @Test func stallsArePlayedOffWithinTwoSeconds() {
        let networks = [NetworkModel(stallEveryNanos: 5_000 * ms), NetworkModel(jitterNanos: 40 * ms, stallEveryNanos: 5_000 * ms, seed: 4)]
        for network in networks {
            for device in [PlayoutSimulation.Device.steady, Self.pulseAudio] {
                let simulation = PlayoutSimulation(network: network, device: device, seconds: 30)
                let result = simulation.run()
                Self.expectSound(result, stalls: true)
                let ends = network.stallEnds(before: 28_000 * ms)
                #expect(result.statistics.stalls == ends.count)
                for end in ends {
                    let before = result.latency(from: end - 1_400 * ms, to: end - 400 * ms)
                    // Within 30 ms of the delay before the stall, 2 s after it ended (a 200 ms
                    // mean: five burst cycles).
                    let after = result.latency(from: end + 1_800 * ms, to: end + 2_000 * ms)
                    #expect(abs(after - before) <= 30 * ms, "stall ending at \(end): \(before) ns before, \(after) ns after")
                    // Nothing concealed after the backlog arrived.
                    #expect(result.pulls.filter { $0.time > end + 100 * ms && $0.time < end + 4_000 * ms && $0.concealed > 0 }.isEmpty)
                }
                // The stalls taught nothing: the target is what the jitter alone needs.
                let calm = PlayoutSimulation(network: NetworkModel(jitterNanos: network.jitterNanos, seed: network.seed),
                                             device: device, seconds: 30).run()
                #expect(abs(result.statistics.targetNanos - calm.statistics.targetNanos) <= 3 * ms)
            }
        }
    }

    @Test func aLongStallDropsPausesToo() {
        // 2.5 s without a packet: the pauses are dropped and the speech accelerated: back within 6 s.
        let network = NetworkModel(stallEveryNanos: 10_000 * ms, stallNanos: 2_500 * ms)
        let result = PlayoutSimulation(network: network, seconds: 20).run()
        #expect(result.droppedFrames > 20)
        let before = result.latency(from: 8_000 * ms, to: 10_000 * ms)
        #expect(result.latency(from: 14_300 * ms, to: 14_500 * ms) - before < 1_000 * ms)
        #expect(abs(result.latency(from: 18_300 * ms, to: 18_500 * ms) - before) <= 30 * ms)
        let rate = result.rateRange(after: 14_500 * ms, periodFrames: 480)
        #expect(rate.high <= 1.3)
    }

    @Test(arguments: [200.0, -200.0])
    func senderClockDriftOverTenMinutes(ppm: Double) {
        let result = PlayoutSimulation(network: NetworkModel(senderPPM: ppm), seconds: 600).run()
        Self.expectSound(result)
        // 120 ms of drift over the ten minutes, taken up a period at a time: ±5 ms.
        #expect(Self.latencySpread(result, after: result.start + 10_000 * ms) <= 10 * ms)
    }

    @Test(arguments: [200.0, -200.0])
    func deviceClockDriftOverTenMinutes(ppm: Double) {
        let result = PlayoutSimulation(device: Self.pulseAudio, devicePPM: ppm, seconds: 600).run()
        Self.expectSound(result)
        #expect(Self.latencySpread(result, after: result.start + 10_000 * ms) <= 10 * ms)
    }

    @Test func whatOneSpurtLearnedTheNextStartsWith() {
        // 4 s spurts, 2 s apart, 0-40 ms of jitter: only the first spurt's first second may underrun.
        let result = PlayoutSimulation(network: NetworkModel(jitterNanos: 40 * ms, seed: 3), seconds: 60,
                                       spurtNanos: 4_000 * ms, pauseNanos: 2_000 * ms).run()
        Self.expectSound(result)
        #expect(result.statistics.targetNanos >= 45 * ms)
    }
}
