import PTTAudio
import PTTAudioCore
import PTTProtocol
import Testing

/// What a receiver keeps however many speakers the far end invents.
@Suite struct ReceiverBoundTests {
    @Test func keepsAtMostMaxSpeakersForgettingTheLeastRecentlyHeard() throws {
        let encoder = try OpusEncoder()
        let payload = try encoder.encode([Int16](repeating: 0, count: 960))
        let receiver = Receiver()
        var buffer: [Int16] = []
        // A speaker heard again and again stays; 10,000 one-frame ids come and go.
        for n in 0..<10_000 {
            let now = UInt64(n) * 1_000_000
            if n % 10 == 0 { receiver.receive(AudioFrame(source: 1, seq: UInt16(truncatingIfNeeded: n), payload: payload), at: now) }
            receiver.receive(AudioFrame(source: UInt32(1000 + n), seq: 0, flags: .start, payload: payload), at: now)
            if n % 100 == 0 { receiver.render(into: &buffer, frames: 480, at: now) }
            #expect(receiver.speakerCount <= Receiver.maxSpeakers)
        }
        let ids = receiver.allStatistics.map(\.id)
        #expect(ids.count == Receiver.maxSpeakers)
        #expect(ids.contains(1))
        #expect(ids.contains(1000 + 9_999) && !ids.contains(1000))
        // Counts of forgotten speakers stay in the totals.
        #expect(receiver.lossTotals.received >= 10_000)
    }
}
