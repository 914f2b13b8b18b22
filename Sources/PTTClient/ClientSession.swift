import PTTProtocol
import PTTSessionCore
import PTTSystem
import Synchronization

/// Runs a `SessionCore` over real connections: executes its actions, feeds it transport
/// events, audio from the talk gate and the passing of time (the monotonic clock's).
///
/// Concurrency: the core is behind a mutex held only while it computes actions; actions are
/// executed after the lock is released, by the thread that caused them. Transport events
/// arrive on NIO's event loop, frames from the audio thread, commands from the UI; `run()`
/// ticks the clock from a task, waking only when the core has something due (its
/// `nextDeadline`, brought forward by any input that moves it). Handlers are called on any of
/// those threads and must not block.
public final class ClientSession: Sendable {
    /// Where the session's output goes.
    public struct Handlers: Sendable {
        public var event: @Sendable (SessionEvent) -> Void
        /// A frame to decode and play (through that speaker's jitter buffer).
        public var play: @Sendable (AudioFrame) -> Void
        /// The relay denied or ended our talking: close the talk gate.
        public var stopTransmitting: @Sendable (Deny.Reason) -> Void
        /// A spurt of the room's history (asked with `requestHistory`): to keep, never to play live.
        public var history: @Sendable (HistoryMessage.Spurt) -> Void

        public init(event: @escaping @Sendable (SessionEvent) -> Void,
                    play: @escaping @Sendable (AudioFrame) -> Void = { _ in },
                    stopTransmitting: @escaping @Sendable (Deny.Reason) -> Void = { _ in },
                    history: @escaping @Sendable (HistoryMessage.Spurt) -> Void = { _ in }) {
            self.event = event
            self.play = play
            self.stopTransmitting = stopTransmitting
            self.history = history
        }
    }

    struct Link {
        var generation = 0
        var transport: (any RelayTransport)?
    }

    let core: Mutex<SessionCore>
    let link = Mutex(Link())
    let connector: any RelayConnector
    let handlers: Handlers
    let alarm = Alarm()
    let ended: Mutex<SessionCore.EndReason?> = Mutex(nil)
    /// How often `run()` has woken: a session with nothing due should hardly ever wake.
    let wakeUps = Atomic<Int>(0)

    public init(config: SessionCore.Configuration, connector: any RelayConnector, handlers: Handlers) {
        self.core = Mutex(SessionCore(config: config, randomID: UInt32.random(in: 1...UInt32.max)))
        self.connector = connector
        self.handlers = handlers
    }

    /// A copy of the core's state, for display.
    public var snapshot: SessionCore { core.withLock { $0 } }

    /// Connects, keeps the session going and returns once it has ended for good.
    public func run() async -> SessionCore.EndReason {
        drive { $0.start() }
        while true {
            if let reason = ended.withLock({ $0 }) { return reason }
            // An end that came after the check above shows here, so the sleep cannot miss it.
            await alarm.sleep {
                self.ended.withLock { $0 } != nil ? MonotonicClock.now() : self.core.withLock { $0.nextDeadline }
            }
            wakeUps.add(1, ordering: .relaxed)
            if Task.isCancelled {
                drive { $0.quit() }
            }
            let now = MonotonicClock.now()
            let random = Double.random(in: 0..<1)
            drive { $0.tick(now: now, random: random) }
        }
    }

    /// One encoded frame from the talk gate.
    public func send(payload: [UInt8], flags: AudioFrame.Flags) {
        drive { $0.outgoingFrame(payload: payload, flags: flags) }
    }

    /// Sends a chat line; false when the text is not a valid chat message.
    @discardableResult
    public func chat(_ text: String) -> Bool {
        var valid = true
        drive { core in
            guard let actions = core.chat(text) else { valid = false; return [] }
            return actions
        }
        return valid
    }

    /// Mutes or unmutes our microphone as far as the room is told (the transmitter stops the audio).
    public func setMicMuted(_ muted: Bool) {
        drive { $0.setMicMuted(muted) }
    }

    /// Sends a scribe's caption of member `id`'s spurt to the room.
    public func caption(about id: UInt32, name: String, text: String, final: Bool) {
        drive { $0.caption(about: id, name: name, text: text, final: final) }
    }

    /// Direct talk: the next spurts go to `name` alone (nil: to the room). The reason when it
    /// cannot be (nobody of that name, ourselves, a plain forwarder).
    public func setDirectTarget(name: String?) -> String? {
        var refusal: String?
        drive { core in
            refusal = core.setDirectTarget(name: name)
            return []
        }
        return refusal
    }

    /// Asks the relay for the room's last `n` spurts; the reason when it cannot be asked.
    public func requestHistory(_ n: Int) -> OperatorRefusal? {
        var refusal: OperatorRefusal?
        drive { core in
            switch core.requestHistory(n) {
            case .success(let actions): return actions
            case .failure(let why):
                refusal = why
                return []
            }
        }
        return refusal
    }

    /// An operator's request to the relay; the reason when it cannot be sent.
    public func operatorRequest(_ action: OperatorAction, name: String, minutes: Int) -> OperatorRefusal? {
        var refusal: OperatorRefusal?
        drive { core in
            switch core.operatorRequest(action, name: name, minutes: minutes) {
            case .success(let actions): return actions
            case .failure(let why):
                refusal = why
                return []
            }
        }
        return refusal
    }

    /// Leaves the room: `bye`, close, and `run()` returns `.quit`.
    public func quit() {
        drive { $0.quit() }
    }

    /// Runs one input through the core, carries out its actions, and wakes `run()` early if
    /// the input brought the core's next deadline forward.
    func drive(_ input: (inout SessionCore) -> [SessionCore.Action]) {
        let (actions, due) = core.withLock { core in (input(&core), core.nextDeadline) }
        perform(actions)
        if let due { alarm.bringForward(to: due) }
    }

    func handle(_ event: TransportEvent, from transport: any RelayTransport, generation: Int) {
        let current = link.withLock { l -> Bool in
            guard l.generation == generation else { return false }
            l.transport = transport
            return true
        }
        guard current else {
            // A connection the session has moved on from: make sure it goes away.
            if case .opened = event { transport.close(code: .normal) }
            return
        }
        let now = MonotonicClock.now()
        switch event {
        case .opened(let subprotocol): drive { $0.opened(subprotocol: subprotocol, now: now) }
        case .text(let bytes): drive { $0.receivedText(bytes, now: now) }
        case .binary(let bytes): drive { $0.receivedBinary(bytes, now: now) }
        case .closed(let code):
            // Only reconnect delays need randomness (a system call each: not for every frame).
            let random = Double.random(in: 0..<1)
            drive { $0.closed(code: code, now: now, random: random) }
        case .failed(let failure):
            let random = Double.random(in: 0..<1)
            drive { $0.connectFailed(failure, now: now, random: random) }
        }
    }

    func perform(_ actions: [SessionCore.Action]) {
        for action in actions {
            switch action {
            case .connect:
                let generation = link.withLock { l -> Int in
                    l.generation += 1
                    l.transport = nil
                    return l.generation
                }
                let transport = connector.connect { [weak self] transport, event in
                    self?.handle(event, from: transport, generation: generation)
                }
                link.withLock { if $0.generation == generation, $0.transport == nil { $0.transport = transport } }
            case .sendText(let bytes):
                link.withLock { $0.transport }?.send(text: bytes)
            case .sendBinary(let bytes):
                link.withLock { $0.transport }?.send(binary: bytes)
            case .close(let code):
                link.withLock { $0.transport }?.close(code: code)
            case .stopTransmitting(let reason):
                handlers.stopTransmitting(reason)
            case .play(let frame):
                handlers.play(frame)
            case .history(let spurt):
                handlers.history(spurt)
            case .event(let event):
                if case .ended(let reason) = event {
                    ended.withLock { $0 = $0 ?? reason }
                    alarm.ring()
                }
                handlers.event(event)
            }
        }
    }
}
