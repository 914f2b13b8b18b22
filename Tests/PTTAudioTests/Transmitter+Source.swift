import PTTAudioCore
import PTTProtocol
@testable import PTTAudio

extension Transmitter {
    /// A transmitter whose frames come out as wire frames from `source`, for tests that feed
    /// a `Receiver` directly (as `ptt echo` stamps its own source).
    convenience init(ring: SampleRing, gate: TalkGate.Configuration, source: UInt32,
                     sink: @escaping @Sendable (AudioFrame) -> Void) throws {
        try self.init(ring: ring, gate: gate) { frame in sink(frame.audioFrame(source: source)) }
    }
}
