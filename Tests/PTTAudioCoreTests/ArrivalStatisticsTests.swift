import Testing
@testable import PTTAudioCore

/// Relative delays and their quantile, on simulated networks (20 ms frames).
@Suite struct ArrivalStatisticsTests {
    /// Feeds frames 0..<count of one spurt as the network delivers them.
    static func run(_ network: NetworkModel, count: Int, into stats: inout ArrivalStatistics) {
        for (i, t) in network.arrivals(count: count).enumerated() {
            stats.arrived(index: i, frameNanos: network.frameNanos, at: UInt64(t))
        }
    }

    @Test func steadyArrivalsHaveNoDelay() {
        var stats = ArrivalStatistics()
        Self.run(NetworkModel(), count: 500, into: &stats)
        #expect(stats.quantileNanos == 1 * ms)
        #expect(stats.lastRelativeDelay == 0)
        #expect(stats.lastArrival == NetworkModel().arrivals(count: 500).last.map(UInt64.init))
        #expect(stats.lastFrameNanos == 20 * ms)
    }

    @Test func quantileOfAKnownSpread() {
        // Delays 0, 37, 74, 11, ... ms (each of 0..<100 twice): the 95th percentile is 94 ms,
        // reported as its bin's upper edge.
        var stats = ArrivalStatistics()
        for i in 0..<200 {
            stats.arrived(index: i, frameNanos: 20 * ms, at: UInt64(i * 20 * ms + (i * 37 % 100) * ms))
        }
        #expect(stats.historyDepth == 200)
        #expect(stats.quantileNanos == 95 * ms)
    }

    @Test func uniformJitterGivesItsHighQuantile() {
        var stats = ArrivalStatistics()
        Self.run(NetworkModel(jitterNanos: 40 * ms, seed: 3), count: 1_500, into: &stats)
        #expect((34 * ms...41 * ms).contains(stats.quantileNanos))
        #expect(stats.outliers == 0)
    }

    @Test func stallsDoNotRaiseTheQuantile() {
        var calm = ArrivalStatistics()
        var stalled = ArrivalStatistics()
        var network = NetworkModel(jitterNanos: 40 * ms, seed: 5)
        Self.run(network, count: 3_000, into: &calm)
        network.stallEveryNanos = 5_000 * ms
        Self.run(network, count: 3_000, into: &stalled)
        // A minute with a 400 ms stall every 5 s: the backlogs are outliers, left out.
        #expect(stalled.outliers > 100)
        #expect(abs(stalled.quantileNanos - calm.quantileNanos) <= 2 * ms)

        // Without jitter the quantile stays at the first bin.
        var quiet = ArrivalStatistics()
        Self.run(NetworkModel(stallEveryNanos: 5_000 * ms), count: 3_000, into: &quiet)
        #expect(quiet.quantileNanos <= 2 * ms)
    }

    @Test func aSlowerNetworkIsTakenIn() {
        var stats = ArrivalStatistics()
        // 10 s of 0-10 ms, then 0-300 ms of jitter for 5 s: outliers at first, common enough
        // within a second to be the new normal.
        let calm = NetworkModel(jitterNanos: 10 * ms, seed: 9).arrivals(count: 500)
        let rough = NetworkModel(jitterNanos: 300 * ms, seed: 10).arrivals(count: 750)
        for (i, t) in calm.enumerated() { stats.arrived(index: i, frameNanos: 20 * ms, at: UInt64(t)) }
        #expect(stats.quantileNanos <= 11 * ms)
        for (i, t) in rough.enumerated() where i >= 500 { stats.arrived(index: i, frameNanos: 20 * ms, at: UInt64(t)) }
        #expect(stats.quantileNanos > 200 * ms)
    }

    @Test func clockDriftDoesNotAccumulate() {
        for ppm in [200.0, -200.0] {
            var stats = ArrivalStatistics()
            let network = NetworkModel(senderPPM: ppm)
            var worst = 0
            // Ten minutes in one spurt.
            for (i, t) in network.arrivals(count: 30_000).enumerated() {
                stats.arrived(index: i, frameNanos: 20 * ms, at: UInt64(t))
                worst = max(worst, stats.lastRelativeDelay)
            }
            #expect(worst <= 500 * us, "ppm \(ppm)")
            #expect(stats.quantileNanos == 1 * ms, "ppm \(ppm)")
        }
    }

    @Test func duplicatesReorderingAndOldIndicesAreHandled() {
        var stats = ArrivalStatistics()
        for i in 0..<100 { #expect(stats.arrived(index: i, frameNanos: 20 * ms, at: UInt64(i * 20 * ms)) == .counted) }
        let quantile = stats.quantileNanos
        // A duplicate of the newest, and of an older one: ignored.
        #expect(stats.arrived(index: 99, frameNanos: 20 * ms, at: UInt64(1_985 * ms)) == .duplicate)
        #expect(stats.arrived(index: 60, frameNanos: 20 * ms, at: UInt64(1_990 * ms)) == .duplicate)
        // Far behind, or an absurd old index: ignored.
        #expect(stats.arrived(index: 10, frameNanos: 20 * ms, at: UInt64(1_995 * ms)) == .stale)
        #expect(stats.arrived(index: -5_000, frameNanos: 20 * ms, at: UInt64(1_995 * ms)) == .stale)
        #expect(stats.duplicates == 2 && stats.stale == 2)
        #expect(stats.quantileNanos == quantile)
        #expect(stats.lastArrival == UInt64(99 * 20 * ms))

        // 101 arrives after 102: both count (101 was 20 ms late), 102 stays the newest.
        #expect(stats.arrived(index: 102, frameNanos: 20 * ms, at: UInt64(102 * 20 * ms)) == .counted)
        #expect(stats.arrived(index: 101, frameNanos: 20 * ms, at: UInt64(102 * 20 * ms + 100 * us)) == .counted)
        #expect(stats.lastArrival == UInt64(102 * 20 * ms))
        #expect(stats.lastRelativeDelay == 0)
        // A gap that is skipped entirely, then a repeat of the skipped-to index.
        #expect(stats.arrived(index: 300, frameNanos: 20 * ms, at: UInt64(300 * 20 * ms)) == .counted)
        #expect(stats.arrived(index: 300, frameNanos: 20 * ms, at: UInt64(300 * 20 * ms + 5 * us)) == .duplicate)
        #expect(stats.arrived(index: 299, frameNanos: 20 * ms, at: UInt64(300 * 20 * ms + 10 * us)) == .counted)
        #expect(stats.quantileNanos <= 1 * ms)
        #expect(stats.historyDepth == 104)
    }

    @Test func aNewSpurtStartsANewBaselineAndKeepsTheHistory() {
        var stats = ArrivalStatistics()
        Self.run(NetworkModel(jitterNanos: 40 * ms, seed: 11), count: 300, into: &stats)
        let learned = stats.quantileNanos
        #expect(learned > 30 * ms)
        // The next spurt starts 7.3 s later on another offset: no packet looks late for it.
        stats.beginSpurt()
        #expect(stats.lastArrival == nil)
        for i in 0..<10 {
            stats.arrived(index: i, frameNanos: 20 * ms, at: UInt64(20_000 * ms + 7_300 * us + i * 20 * ms))
            #expect(stats.lastRelativeDelay == 0)
        }
        #expect(stats.quantileNanos == learned)
    }

    @Test func theHistoryIsBounded() {
        var stats = ArrivalStatistics()
        // 250 packets 50 ms late (every fifth on time, to hold the baseline), then 250 on time.
        for i in 0..<250 { stats.arrived(index: i, frameNanos: 20 * ms, at: UInt64(i * 20 * ms + (i % 5 == 0 ? 0 : 50 * ms))) }
        #expect(stats.quantileNanos == 51 * ms)
        for i in 250..<500 { stats.arrived(index: i, frameNanos: 20 * ms, at: UInt64(i * 20 * ms)) }
        #expect(stats.quantileNanos == 1 * ms)
        #expect(stats.historyDepth == 250)
    }

    @Test func aChangeOfFrameLengthStartsANewBaseline() {
        var stats = ArrivalStatistics()
        for i in 0..<50 { stats.arrived(index: i, frameNanos: 20 * ms, at: UInt64(i * 20 * ms)) }
        // The sender moves to 10 ms frames, indices counted afresh: nothing looks late.
        for i in 0..<50 { stats.arrived(index: i, frameNanos: 10 * ms, at: UInt64(1_000 * ms + i * 10 * ms)) }
        #expect(stats.lastRelativeDelay == 0)
        #expect(stats.quantileNanos == 1 * ms)
    }
}
