import PTTProtocol
import PTTRelayCore
import Synchronization

/// The relay's counters: atomics, bumped from any task, read for `/metrics`.
final class Counters: Sendable {
    let connections = Atomic<Int>(0)
    let connectionsTotal = Atomic<UInt64>(0)
    let framesIn = Atomic<UInt64>(0)
    let bytesIn = Atomic<UInt64>(0)
    let framesOut = Atomic<UInt64>(0)
    let bytesOut = Atomic<UInt64>(0)
    let textIn = Atomic<UInt64>(0)
    let textOut = Atomic<UInt64>(0)
    let droppedFrames = Atomic<UInt64>(0)
    let recordedSpurts = Atomic<UInt64>(0)
    let recordingErrors = Atomic<UInt64>(0)
    let recordingDropped = Atomic<UInt64>(0)
    /// Connections whose data frames moved to the event loop (InboundFastPath); not exported.
    let fastPathTakeovers = Atomic<UInt64>(0)
    private let tallies = Mutex<(closes: [UInt16: UInt64], denies: [String: UInt64])>(([:], [:]))

    func closed(_ code: CloseCode) { tallies.withLock { $0.closes[code.rawValue, default: 0] += 1 } }
    func denied(_ reason: String) { tallies.withLock { $0.denies[reason, default: 0] += 1 } }

    func snapshot(members: Int, rooms: Int) -> RelayMetrics {
        var m = RelayMetrics()
        m.connections = connections.load(ordering: .relaxed)
        m.members = members
        m.rooms = rooms
        m.connectionsTotal = connectionsTotal.load(ordering: .relaxed)
        m.framesIn = framesIn.load(ordering: .relaxed)
        m.bytesIn = bytesIn.load(ordering: .relaxed)
        m.framesOut = framesOut.load(ordering: .relaxed)
        m.bytesOut = bytesOut.load(ordering: .relaxed)
        m.textIn = textIn.load(ordering: .relaxed)
        m.textOut = textOut.load(ordering: .relaxed)
        m.droppedFrames = droppedFrames.load(ordering: .relaxed)
        m.recordedSpurts = recordedSpurts.load(ordering: .relaxed)
        m.recordingErrors = recordingErrors.load(ordering: .relaxed)
        m.recordingDropped = recordingDropped.load(ordering: .relaxed)
        let t = tallies.withLock { $0 }
        m.closes = t.closes
        m.denies = t.denies
        return m
    }
}

extension Atomic where Value == UInt64 {
    func add(_ n: Int) { wrappingAdd(UInt64(n), ordering: .relaxed) }
}
