/// Decides whether the talk key (space) is held, from the key events a terminal sends.
///
/// Two methods, reported by ``method``:
/// - **kitty**: under the kitty keyboard protocol the terminal reports press, repeat and release,
///   so the key state is exact and there are no timeouts.
/// - **autorepeat**: a legacy terminal only sends a byte per press and per autorepeat, never a
///   release. The key counts as released when the next repeat is overdue:
///   - after the first byte, ``Timing/initialTimeout`` (750 ms): above the longest common initial
///     repeat delay (X: 660 ms; GNOME 500, KDE 600, console 250), so a hold is never dropped
///     before repeats start. A tap therefore talks for 750 ms.
///   - after the first repeat, when no interval is known yet, ``Timing/firstRepeatTimeout``
///     (200 ms): covers repeat intervals up to ~150 ms.
///   - once intervals are measured, `clamp(2.5 × median interval, 90 ms, 500 ms)`. 2.5 intervals
///     tolerate one repeat that is lost or late by up to half an interval (scheduling, SSH, tmux);
///     the 90 ms floor keeps fast repeats (GNOME 30 ms, console 33 ms: 75–83 ms) from being cut
///     by that jitter. Release latency on X defaults is about 100 ms after the last repeat.
///   Intervals shorter than 5 ms are bytes that arrived in one read, not measurements; the
///   median of the last five samples ignores single late repeats.
///
/// In ``Mode/toggle`` each physical press flips the talk latch (autorepeats are not presses).
/// Time is monotonic nanoseconds supplied by the caller; call ``expire(now:)`` at ``deadline``.
public struct HoldDetector: Equatable, Sendable {
    /// What the talk key does.
    public enum Mode: Equatable, Sendable {
        /// Talk while held.
        case hold
        /// Each press latches talking on or off.
        case toggle
    }

    /// How key releases are known.
    public enum Method: Equatable, Sendable {
        /// Real press and release events (kitty keyboard protocol).
        case kitty
        /// Release inferred from autorepeat timing.
        case autorepeat

        /// The words the status line uses.
        public var label: String {
            switch self {
            case .kitty: return "kitty keys"
            case .autorepeat: return "autorepeat timing"
            }
        }
    }

    /// A change of the talk state.
    public enum Event: Equatable, Sendable {
        case pressed, released
    }

    /// The timeouts used without the kitty protocol, in nanoseconds.
    public struct Timing: Equatable, Sendable {
        public var initialTimeout: UInt64 = 750_000_000
        public var firstRepeatTimeout: UInt64 = 200_000_000
        /// The adapted timeout is `intervalFactor × interval`, clamped to the two bounds.
        public var intervalFactor: Double = 2.5
        public var minRepeatTimeout: UInt64 = 90_000_000
        public var maxRepeatTimeout: UInt64 = 500_000_000
        /// Gaps shorter than this are coalesced reads, not repeat intervals.
        public var minIntervalSample: UInt64 = 5_000_000
        public init() {}
    }

    public var timing: Timing
    public private(set) var mode: Mode
    /// Set once the terminal confirmed the kitty protocol or sent a kitty key event.
    public private(set) var kittyActive = false
    /// Whether the talk gate is asked open (after toggle latching).
    public private(set) var isTalking = false
    /// Whether the physical key is (believed to be) down.
    public private(set) var isKeyDown = false
    /// When the key will be considered released, if no repeat arrives (autorepeat method only).
    public private(set) var deadline: UInt64?

    private var lastEventAt: UInt64 = 0
    private var repeatsSeen = 0
    private var samples: [UInt64] = []

    public init(mode: Mode = .hold, timing: Timing = Timing()) {
        self.mode = mode
        self.timing = timing
    }

    public var method: Method { kittyActive ? .kitty : .autorepeat }

    /// The measured autorepeat interval (median of recent samples), once known.
    public var repeatInterval: UInt64? {
        guard !samples.isEmpty else { return nil }
        return samples.sorted()[samples.count / 2]
    }

    /// The timeout applied after the latest repeat.
    public var repeatTimeout: UInt64 {
        guard let interval = repeatInterval else { return timing.firstRepeatTimeout }
        let scaled = UInt64(Double(interval) * timing.intervalFactor)
        return min(max(scaled, timing.minRepeatTimeout), timing.maxRepeatTimeout)
    }

    /// Records that the terminal supports the kitty protocol (its query reply arrived).
    public mutating func setKittyActive() {
        kittyActive = true
    }

    /// One talk-key event. `kitty` says whether it came from a kitty sequence.
    public mutating func key(_ kind: KeyEvent.Kind, kitty: Bool, now: UInt64) -> Event? {
        if kitty {
            kittyActive = true
            deadline = nil
            switch kind {
            case .press, .repeat:
                return isKeyDown ? nil : keyDown()
            case .release:
                return isKeyDown ? keyUp() : nil
            }
        }
        guard kind != .release else { return isKeyDown ? keyUp() : nil }
        if !isKeyDown {
            lastEventAt = now
            repeatsSeen = 0
            deadline = now &+ timing.initialTimeout
            return keyDown()
        }
        let gap = now &- lastEventAt
        lastEventAt = now
        repeatsSeen += 1
        if repeatsSeen >= 2, gap >= timing.minIntervalSample {
            samples.append(gap)
            if samples.count > 5 { samples.removeFirst() }
        }
        deadline = now &+ repeatTimeout
        return nil
    }

    /// Infers the release once the deadline passed without a repeat.
    public mutating func expire(now: UInt64) -> Event? {
        guard isKeyDown, let deadline, now >= deadline else { return nil }
        return keyUp()
    }

    /// Changes the mode; a latched or held talk ends.
    public mutating func setMode(_ newMode: Mode) -> Event? {
        guard newMode != mode else { return nil }
        mode = newMode
        return reset()
    }

    /// Forgets the key state (the chat editor took the keyboard, say); ends talking if it was on.
    public mutating func reset() -> Event? {
        let wasTalking = isTalking
        isKeyDown = false
        isTalking = false
        deadline = nil
        return wasTalking ? .released : nil
    }

    private mutating func keyDown() -> Event? {
        isKeyDown = true
        switch mode {
        case .hold:
            isTalking = true
            return .pressed
        case .toggle:
            isTalking.toggle()
            return isTalking ? .pressed : .released
        }
    }

    private mutating func keyUp() -> Event? {
        isKeyDown = false
        deadline = nil
        guard mode == .hold, isTalking else { return nil }
        isTalking = false
        return .released
    }
}
