import Testing
@testable import PTTProtocol
@testable import PTTRelayCore

@Suite struct RelayConnectionTests {
    let ms: UInt64 = 1_000_000
    func b(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func dropsEverythingButHelloBeforeHello() {
        var c = RelayConnection(now: 0)
        #expect(c.receiveText(b("not json"), now: 0) == .drop)
        #expect(c.receiveText(b(#"{"t":"chat","text":"x"}"#), now: 0) == .drop)
        #expect(c.receiveBinary([1, 0, 0, 0, 1, 0, 1, 0, 0xF8], now: 0) == .drop)
        #expect(c.receiveBinary([0, 0], now: 0) == .drop)
        guard case .hello(let h) = c.receiveText(b(#"{"t":"hello","v":1,"name":"alice"}"#), now: 0) else { Issue.record("no hello"); return }
        #expect(h.name == "alice")
    }

    /// Pings and pongs from the client: the text rate (40/s, bursts of 80), on a bucket of their own.
    @Test func controlFramesHaveARate() {
        var c = RelayConnection(now: 0)
        var accepted = 0
        for _ in 0..<81 where c.receiveControl(now: 0) { accepted += 1 }
        #expect(accepted == 80)
        // Text messages are not charged for them: with the control bucket empty, text still goes.
        let hello = c.receiveText(b(#"{"t":"hello","v":1,"name":"alice"}"#), now: 0)
        #expect(hello != .close(.rateLimit))
        let later = c.receiveControl(now: 1_000 * ms)   // a second later: 40 more
        #expect(later)
    }

    @Test func invalidHelloAndVersion() {
        var c = RelayConnection(now: 0)
        guard case .close(let r) = c.receiveText(b(#"{"t":"hello","v":1,"name":" bad"}"#), now: 0) else { Issue.record("not closed"); return }
        #expect(r.code == .badHello && r.word == "bad-hello")
        var d = RelayConnection(now: 0)
        guard case .close(let v) = d.receiveText(b(#"{"t":"hello","v":2,"name":"ok"}"#), now: 0) else { Issue.record("not closed"); return }
        #expect(v.code == .unsupportedVersion && v.word == "version")
    }

    /// A timer's `now`, sampled before another thread noted a later arrival (or opened the
    /// connection later), is no timeout: not 584 years of silence.
    @Test func aTickBehindTheLastArrivalIsNoTimeout() {
        var c = RelayConnection(now: 1_000 * ms)
        #expect(c.tick(now: 999 * ms) == .none)
        c.welcomed(id: 1)
        c.heard(now: 5_000 * ms)
        #expect(c.tick(now: 4_999 * ms) == .none)
        #expect(c.tick(now: 5_000 * ms + c.limits.idleTimeout) == .close(.idle))
    }

    @Test func afterHelloChecksMessages() {
        var c = RelayConnection(now: 0)
        c.welcomed(id: 5)
        #expect(c.memberID == 5)
        #expect(c.receiveText(b(#"{"t":"hello","v":1,"name":"again"}"#), now: 0) == .drop)
        #expect(c.receiveText(b(#"{"t":"welcome","garbage":true}"#), now: 0) == .drop)
        #expect(c.receiveText(b(#"{"t":"leave","id":"x"}"#), now: 0) == .drop)
        guard case .message = c.receiveText(b(#"{"t":"talk","on":true}"#), now: 0) else { Issue.record("no message"); return }
        guard case .close(let r) = c.receiveText(b(#"{"t":"talk","on":"yes"}"#), now: 0) else { Issue.record("not closed"); return }
        #expect(r.code == .policyViolation && r.word == "bad-message")
        var d = RelayConnection(now: 0)
        d.welcomed(id: 5)
        guard case .close(let j) = d.receiveText(b("[1]"), now: 0) else { Issue.record("not closed"); return }
        #expect(j.code == .policyViolation)
    }

    @Test func sizeLimits() {
        var c = RelayConnection(now: 0)
        c.welcomed(id: 1)
        guard case .close(let t) = c.receiveText([UInt8](repeating: 0x20, count: 4097), now: 0) else { Issue.record("not closed"); return }
        #expect(t.code == .tooBig && t.word == "too-big")
        var d = RelayConnection(now: 0)
        d.welcomed(id: 1)
        guard case .close(let big) = d.receiveBinary([UInt8](repeating: 1, count: 1501), now: 0) else { Issue.record("not closed"); return }
        #expect(big.code == .tooBig)
        #expect(d.receiveBinary([UInt8](repeating: 1, count: 1500), now: 0) == .audio([.start]))
        guard case .close(let short) = d.receiveBinary([1, 0, 0, 0, 1, 0, 1, 0], now: 0) else { Issue.record("not closed"); return }
        #expect(short.code == .policyViolation)
        var e = RelayConnection(now: 0)
        e.welcomed(id: 1)
        guard case .close(let kind0) = e.receiveBinary([0, 0, 0, 0, 1, 0, 1, 0, 9], now: 0) else { Issue.record("not closed"); return }
        #expect(kind0.code == .policyViolation)
    }

    @Test func readsFlagsIgnoringUndefinedBits() {
        var c = RelayConnection(now: 0)
        c.welcomed(id: 1)
        #expect(c.receiveBinary([1, 0, 0, 0, 1, 0, 1, 0xFF, 9], now: 0) == .audio([.start, .end]))
        #expect(c.receiveBinary([2, 0, 0, 0, 1, 0, 1, 0x02, 9], now: 0) == .audio([.end]))
    }

    @Test func acceptsTheGuaranteedRatesAndLimitsAbove() {
        var c = RelayConnection(now: 0)
        c.welcomed(id: 1)
        let frame: [UInt8] = [1, 0, 0, 0, 1, 0, 1, 0, 0xF8]
        // 100/s for 10 s after a burst of 200.
        for _ in 0..<200 { #expect(c.receiveBinary(frame, now: 0) == .audio([])) }
        for i in 1...1000 { #expect(c.receiveBinary(frame, now: UInt64(i) * 10 * ms) == .audio([])) }
        // A flood is refused.
        var refused = false
        for _ in 0..<1000 where !refused {
            if case .close(let r) = c.receiveBinary(frame, now: 10_000 * ms) { refused = r == .rateLimit }
        }
        #expect(refused)
        #expect(CloseReason.rateLimit.word == "rate-limit")
    }

    @Test func helloTimeoutIdleTimeoutAndPings() {
        var c = RelayConnection(now: 0)
        #expect(c.tick(now: 9_999 * ms) == .none)
        #expect(c.tick(now: 10_000 * ms) == .close(.noHello))
        var m = RelayConnection(now: 0)
        m.welcomed(id: 1)
        #expect(m.nextDeadline == 15_000 * ms)
        #expect(m.tick(now: 15_000 * ms) == .ping)
        #expect(m.tick(now: 15_001 * ms) == .none)
        m.heard(now: 20_000 * ms)
        #expect(m.tick(now: 30_000 * ms) == .ping)
        #expect(m.tick(now: 64_999 * ms) == .ping)
        #expect(m.tick(now: 65_000 * ms) == .close(.idle))
        m.closed()
        #expect(m.tick(now: 100_000 * ms) == .none)
    }

    /// A member that gets audio is pinged every second; when a ping goes unanswered for 2 s its
    /// audio is dropped (it is not reading: the socket buffers would deliver it late), from
    /// when the first frame was dropped, until a pong shows it reads again.
    @Test func audioStopsForAMemberThatDoesNotRead() {
        var m = RelayConnection(now: 0)
        m.welcomed(id: 1)
        #expect(m.audioOut(now: 100 * ms) == .send)
        #expect(m.tick(now: 999 * ms) == .none)
        #expect(m.tick(now: 1_000 * ms) == .ping)
        #expect(m.receivePong(now: 1_010 * ms) == true)
        #expect(m.audioOut(now: 1_100 * ms) == .send)
        #expect(m.tick(now: 2_000 * ms) == .ping)
        // No pong: one ping at a time, audio goes on for the grace, then is dropped.
        #expect(m.audioOut(now: 2_500 * ms) == .send)
        #expect(m.tick(now: 3_500 * ms) == .none)
        #expect(m.audioOut(now: 3_999 * ms) == .send)
        #expect(m.audioOut(now: 4_000 * ms) == .drop(since: 4_000 * ms))
        #expect(m.audioOut(now: 9_000 * ms) == .drop(since: 4_000 * ms))
        #expect(m.receivePong(now: 9_100 * ms) == true)
        #expect(m.audioOut(now: 9_120 * ms) == .send)
        #expect(m.tick(now: 10_000 * ms) == .ping)
        #expect(m.receivePong(now: 10_001 * ms) == true)
        // Without audio, pings go back to every 15 s.
        #expect(m.tick(now: 16_000 * ms) == .none)
        #expect(m.tick(now: 24_999 * ms) == .none)
        #expect(m.tick(now: 25_000 * ms) == .ping)
    }
}

@Suite struct ConstantTimeTests {
    @Test func comparesWholeSecrets() {
        #expect(ConstantTime.equals(Array("secret".utf8), Array("secret".utf8)))
        #expect(!ConstantTime.equals(Array("secret".utf8), Array("secreT".utf8)))
        #expect(!ConstantTime.equals(Array("secret".utf8), Array("secret2".utf8)))
        #expect(!ConstantTime.equals(Array("".utf8), Array("x".utf8)))
        #expect(ConstantTime.matchesAny("b", ["a", "b"]))
        #expect(!ConstantTime.matchesAny("c", ["a", "b"]))
        #expect(!ConstantTime.matchesAny("", []))
    }

    @Test func stampsSourceInMutableStorage() {
        var bytes: ArraySlice<UInt8> = [9, 1, 0, 0, 0, 1, 0, 7, 1, 0xF8][1...]
        AudioFrame.stampSource(42, in: &bytes)
        #expect(Array(bytes) == [1, 0, 0, 0, 42, 0, 7, 1, 0xF8])
    }
}
