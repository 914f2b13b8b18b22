import Testing
@testable import PTTAudioCore

/// The controller's decisions on scripted delays (20 ms frames, 10 ms renders of 480 frames).
@Suite struct PlayoutControllerTests {
    /// Drives a controller: frame `i` arrives at `i · 20 ms` plus whatever `lateness` says,
    /// renders every 10 ms see a level that makes the playout delay D what `delay` says, and
    /// every other render a frame is decided on. The stretcher is modelled as removing or
    /// adding exactly what it is allowed (as on silence).
    struct Rig {
        var controller: PlayoutController
        var now = 0
        var index = 0
        var decisions: [PlayoutController.Decision] = []
        /// D on top of what the rig's stretching moved it by.
        var moved = 0

        /// Starts at the target a quiet network settles on (1 ms + 5 ms + 10 ms), so tests
        /// need not wait for the initial one to decay.
        init() {
            var configuration = PlayoutController.Configuration()
            configuration.initialTargetNanos = 16 * ms
            controller = PlayoutController(configuration)
            controller.beginSpurt()
        }

        /// Runs `nanos` of time with D at `delay` ns (plus what stretching moved) and the
        /// arrivals `lateness` ns late; `quiet` answers the drop question.
        mutating func run(_ nanos: Int, delay: Int, lateness: (Int) -> Int = { _ in 0 }, quiet: Bool = false, stretch: Bool = true) {
            let end = now + nanos
            while now < end {
                now += 10 * ms
                if now % (20 * ms) == 0 {
                    controller.packetArrived(index: index, frameNanos: 20 * ms, at: UInt64(now + lateness(index)))
                    index += 1
                }
                guard let last = controller.arrivals.lastArrival else { continue }
                // D = level + (now − lastArrival) + d − F: the level that gives the wanted D.
                let d = delay + moved
                let level = d - (now - Int(last)) - controller.arrivals.lastRelativeDelay + 20 * ms
                controller.willRender(levelNanos: level, frames: 480, at: UInt64(now))
                guard now % (20 * ms) == 0 else { continue }
                let decision = controller.decide(frameSamples: 960, at: UInt64(now), isQuiet: quiet)
                decisions.append(decision)
                guard stretch else { continue }
                switch decision {
                case .normal:
                    break
                case .accelerate(let n):
                    controller.accelerated(removing: n)
                    moved -= n * 62_500 / 3
                case .slowDown(let n):
                    controller.slowedDown(adding: n)
                    moved += n * 62_500 / 3
                case .dropAtPause:
                    controller.dropped(samples: 960)
                    moved -= 20 * ms
                }
            }
        }

        var accelerations: Int { decisions.filter { if case .accelerate = $0 { true } else { false } }.count }
        var slowDowns: Int { decisions.filter { if case .slowDown = $0 { true } else { false } }.count }
        var drops: Int { decisions.filter { if case .dropAtPause = $0 { true } else { false } }.count }
    }

    @Test func theTargetIsTheQuantilePlusMarginPlusThePull() {
        var rig = Rig()
        // Lateness cycling 0...30 ms: the 95th percentile is 29 ms (bin edge 30 ms).
        rig.run(3_000 * ms, delay: 50 * ms, lateness: { ($0 * 7) % 31 * ms })
        #expect(rig.controller.arrivals.quantileNanos == 30 * ms)
        #expect(rig.controller.targetNanos == 30 * ms + 5 * ms + 10 * ms)
        #expect(rig.controller.statistics.burstNanos == 0)
    }

    @Test func quickToGrowSlowToShrink() {
        var rig = Rig()
        rig.run(5_000 * ms, delay: 60 * ms, lateness: { ($0 * 7) % 41 * ms })
        let high = rig.controller.targetNanos
        #expect(high >= 50 * ms)
        // The jitter goes away: the history still holds it for 5 s, then the target falls
        // with a time constant of 3 s, not at once.
        rig.run(5_000 * ms, delay: 60 * ms, stretch: false)
        let wanted = 1 * ms + 5 * ms + 10 * ms
        rig.run(1_000 * ms, delay: 60 * ms, stretch: false)
        let afterOne = rig.controller.targetNanos
        #expect(afterOne > wanted + (high - wanted) / 2)
        rig.run(9_000 * ms, delay: 60 * ms, stretch: false)
        #expect(rig.controller.targetNanos < wanted + 3 * ms)
        // And back up at once.
        rig.run(2_000 * ms, delay: 60 * ms, lateness: { ($0 * 7) % 41 * ms }, stretch: false)
        #expect(rig.controller.targetNanos >= 50 * ms)
    }

    @Test func nothingHappensAtTheTarget() {
        var rig = Rig()
        // Target 16 ms; D from 17 to 23 ms is within the bands.
        for delay in [17 * ms, 20 * ms, 23 * ms] {
            rig.run(2_000 * ms, delay: delay)
            #expect(rig.accelerations == 0 && rig.slowDowns == 0, "D \(delay)")
        }
    }

    @Test func aLargeExcessIsPlayedOffAtFullSpeed() {
        var rig = Rig()
        rig.run(500 * ms, delay: 16 * ms)
        // 400 ms more (not reported as concealment): seen once the window has passed, then
        // removed at 0.2 sample per sample (1.25×) while far over, and to within 2 ms.
        rig.moved = 400 * ms
        rig.run(250 * ms, delay: 16 * ms)
        let start = rig.controller.statistics.acceleratedSamples
        rig.run(1_000 * ms, delay: 16 * ms)
        let removed = rig.controller.statistics.acceleratedSamples - start
        #expect(removed >= 9_400 && removed <= 9_600 + 960)
        rig.run(2_000 * ms, delay: 16 * ms)
        let excess = rig.controller.lowestDelayNanos! - rig.controller.targetNanos
        #expect(excess >= 0 && excess <= 2_600 * us)
        #expect(rig.drops == 0)
    }

    @Test func aSmallExcessIsGivenBackGently() throws {
        var rig = Rig()
        rig.run(500 * ms, delay: 16 * ms)
        // 12 ms over: under a tenth of full speed, a period's worth now and then.
        rig.moved = 12 * ms
        rig.run(2_000 * ms, delay: 16 * ms, stretch: false)
        #expect(rig.accelerations > 0)
        let first = try #require(rig.decisions.compactMap { if case .accelerate(let n) = $0 { n } else { nil } }.first)
        #expect(first < 200)
    }

    @Test func hysteresisKeepsItFromHunting() {
        var rig = Rig()
        rig.run(500 * ms, delay: 16 * ms)
        // 7 ms over: under the 8 ms start, nothing.
        rig.moved = 7 * ms
        rig.run(2_000 * ms, delay: 16 * ms)
        #expect(rig.accelerations == 0)
        // 9 ms over: accelerated until within 2 ms, then left alone.
        rig.moved = 9 * ms
        rig.run(3_000 * ms, delay: 16 * ms)
        let excess = rig.controller.lowestDelayNanos! - rig.controller.targetNanos
        #expect(excess >= 0 && excess <= 2 * ms)
        let settled = rig.accelerations
        rig.run(3_000 * ms, delay: 16 * ms)
        #expect(rig.accelerations == settled)
    }

    @Test func slowsDownOnlyClearlyBelowTheTarget() {
        var rig = Rig()
        rig.run(500 * ms, delay: 16 * ms)
        // 4 ms under: within the margin, left alone.
        rig.run(2_000 * ms, delay: 12 * ms)
        #expect(rig.slowDowns == 0)
        // 9 ms under: slowed down (at most 0.9×) until back at the target, not far past it.
        rig.run(3_000 * ms, delay: 7 * ms)
        #expect(rig.slowDowns > 0)
        let added = rig.controller.statistics.expandedSamples
        #expect(added >= 9 * 48)
        let excess = rig.controller.lowestDelayNanos! - rig.controller.targetNanos
        #expect(excess >= 0 && excess <= 4 * ms)
    }

    @Test func aBacklogGoesFromThePausesFirst() {
        var rig = Rig()
        rig.run(500 * ms, delay: 16 * ms)
        rig.moved = 400 * ms
        // Loud: accelerated only.
        rig.run(300 * ms, delay: 16 * ms)
        #expect(rig.drops == 0 && rig.accelerations > 0)
        // Quiet: dropped whole while more than 30 ms over, then accelerated the rest of the way.
        rig.run(1_000 * ms, delay: 16 * ms, quiet: true)
        #expect(rig.drops >= 14)
        let excess = rig.controller.lowestDelayNanos! - rig.controller.targetNanos
        #expect(excess >= 0 && excess <= 2 * ms)
        #expect(rig.controller.statistics.droppedSamples == rig.drops * 960)
    }

    @Test func aSmallExcessDropsNoPause() {
        var rig = Rig()
        rig.run(500 * ms, delay: 16 * ms)
        // 25 ms over, quiet: under the 30 ms from which pauses go, accelerated only.
        rig.moved = 25 * ms
        rig.run(2_000 * ms, delay: 16 * ms, quiet: true)
        #expect(rig.drops == 0 && rig.accelerations > 0)
    }

    @Test func anUnderrunRaisesTheTargetByWhatItConcealed() {
        var rig = Rig()
        rig.run(500 * ms, delay: 16 * ms)
        let before = rig.controller.targetNanos
        // 30 ms concealed, then the frame arrives: not a stall.
        rig.controller.concealed(samples: 960)
        rig.controller.concealed(samples: 480)
        rig.run(20 * ms, delay: 46 * ms, stretch: false)
        #expect(rig.controller.targetNanos >= before + 30 * ms - 100 * us)
        #expect(rig.controller.statistics.underruns == 1)
        #expect(rig.controller.statistics.stalls == 0)
        #expect(rig.controller.statistics.concealedSamples == 1_440)
    }

    @Test func aStallIsCountedAndPlayedOffNotLearned() {
        var rig = Rig()
        rig.run(500 * ms, delay: 16 * ms)
        let before = rig.controller.targetNanos
        for _ in 0..<35 { rig.controller.concealed(samples: 480) }
        rig.moved = 350 * ms
        rig.run(40 * ms, delay: 16 * ms, stretch: false)
        #expect(rig.controller.statistics.stalls == 1)
        #expect(rig.controller.targetNanos <= before)
        // The concealed time shows in the lowest delay at once: accelerating right away.
        #expect(rig.controller.lowestDelayNanos! >= 350 * ms)
        #expect(rig.accelerations > 0)
    }

    @Test func statisticsAddUp() {
        var rig = Rig()
        rig.run(500 * ms, delay: 16 * ms)
        rig.controller.accelerated(removing: 300)
        rig.controller.accelerated(removing: 200)
        rig.controller.slowedDown(adding: 150)
        rig.controller.dropped(samples: 960)
        rig.controller.accelerated(removing: 0)
        let s = rig.controller.statistics
        #expect(s.acceleratedSamples == 500 && s.expandedSamples == 150 && s.droppedSamples == 960)
        #expect(s.targetNanos == rig.controller.targetNanos)
        #expect(s.quantileNanos == 1 * ms)
    }

    @Test func isDeterministic() {
        var a = Rig(), b = Rig()
        for rig in [0, 1] {
            let lateness: (Int) -> Int = { ($0 * 13) % 37 * ms }
            if rig == 0 { a.run(5_000 * ms, delay: 30 * ms, lateness: lateness) } else { b.run(5_000 * ms, delay: 30 * ms, lateness: lateness) }
        }
        #expect(a.decisions == b.decisions)
        #expect(a.controller.statistics == b.controller.statistics)
    }

    @Test func nothingIsDecidedBeforeARender() {
        var controller = PlayoutController()
        controller.beginSpurt()
        #expect(controller.decide(frameSamples: 960, at: 0, isQuiet: true) == .normal)
        #expect(controller.lowestDelayNanos == nil)
        #expect(controller.targetNanos == 20 * ms)
    }
}
