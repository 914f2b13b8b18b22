import Dispatch
import PTTClient
import PTTProtocol
import PTTRelay
import PTTRelayCore
import PTTScribe
import PTTSessionCore
import PTTSystem
import Synchronization

/// `ptt relay --captions`: a scribe for every room that has someone who may talk, inside the
/// relay's process. Each is an ordinary client on a loopback connection (the relay itself links
/// no Opus and no recognizer); they share one `RecognizerPool`, so the recognizers' number and
/// memory stay bounded whatever the number of rooms. With `--record`, transcripts are written
/// next to the recordings.
final class CaptionHost: RelayGuest {
    let relay: RelayServer
    let pool: RecognizerPool
    let transcripts: TranscriptWriter?
    let token: String?
    let queue = DispatchQueue(label: "ptt.captions")
    struct State {
        var address: RelayAddress?
        var scribes: [String: Scribe] = [:]
        /// Rooms whose scribe could not join (its name taken, say): not retried until the room empties.
        var refused: Set<String> = []
        var stopping = false
    }
    let state = Mutex(State())

    static let name = "scribe"

    init(relay: RelayServer, settings: RelaySettings, recognizer: RecognizerChoice, engines: Int) throws(RecognizerError) {
        self.relay = relay
        pool = try RecognizerPool(recognizer: recognizer, engines: engines)
        token = settings.tokens.first
        transcripts = settings.recordDirectory.map { dir in
            TranscriptWriter(directory: dir) { message in try? Posix.writeAll(2, "ptt relay: captions: \(message)\n") }
        }
        let queue = self.queue
        // The host lives as long as the relay: the relay holds it through this observer.
        relay.observeRooms { room in queue.async { self.reconcile(room) } }
    }

    func listening(at address: RelayAddress) async {
        state.withLock { $0.address = address }
    }

    func stop() async {
        let scribes = state.withLock { s -> [Scribe] in
            s.stopping = true
            return Array(s.scribes.values)
        }
        scribes.forEach { $0.quit() }
        // Their sessions say bye at once; what they were recognizing goes to the transcripts.
        for _ in 0..<100 where !state.withLock({ $0.scribes.isEmpty }) {
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        transcripts?.flush()
    }

    /// Starts or stops `room`'s scribe to match who is there. On the host's queue.
    func reconcile(_ room: String) {
        let speakers = relay.speakers(in: room)
        enum Step { case start(RelayAddress), stop(Scribe), keep(Scribe), nothing }
        let step = state.withLock { s -> Step in
            if speakers == 0 { s.refused.remove(room) }
            guard !s.stopping, let address = s.address else { return .nothing }
            if speakers > 0, s.scribes[room] == nil, !s.refused.contains(room) { return .start(address) }
            if let scribe = s.scribes[room] { return speakers == 0 ? .stop(scribe) : .keep(scribe) }
            return .nothing
        }
        switch step {
        case .start(let address): start(room, address: address)
        case .stop(let scribe): scribe.quitWhenDone()
        case .keep(let scribe): scribe.stay()
        case .nothing: break
        }
    }

    func start(_ room: String, address: RelayAddress) {
        do {
            let host = address.host == "0.0.0.0" ? "127.0.0.1" : address.host == "::" ? "::1" : address.host
            let bracketed = host.contains(":") ? "[\(host)]" : host
            let url = try RelayURL(parsing: "\(address.tls ? "wss" : "ws")://\(bracketed):\(address.port)")
            var options = ConnectOptions(relay: url, room: room, token: token)
            // Its own certificate, by fingerprint: whatever name or CA it was issued for.
            options.pinnedFingerprint = relay.fingerprint
            let connector = try WebSocketConnector(options: options)
            var config = SessionCore.Configuration(room: room, name: Self.name, listen: true, url: try url.url(room: room))
            config.agent = ScribeCommand.agent
            let scribe = Scribe(config: config, connector: connector, pool: pool, transcripts: transcripts,
                                report: { message in try? Posix.writeAll(2, "ptt relay: captions: \(message)\n") })
            state.withLock { $0.scribes[room] = scribe }
            Task {
                let reason = await scribe.run()
                self.queue.async {
                    self.state.withLock { s in
                        if s.scribes[room] === scribe { s.scribes[room] = nil }
                        if reason.isFailure { s.refused.insert(room) }
                    }
                    if reason.isFailure {
                        try? Posix.writeAll(2, "ptt relay: captions: the scribe of \(room) could not stay: \(reason.message)\n")
                    }
                    self.reconcile(room)
                }
            }
        } catch {
            state.withLock { _ = $0.refused.insert(room) }
            try? Posix.writeAll(2, "ptt relay: captions: cannot start the scribe of \(room): \(error)\n")
        }
    }
}
