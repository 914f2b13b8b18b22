import PTTProtocol
import Testing
@testable import PTTScribeCore

@Suite struct SpurtTrackerTests {
    static let ms: UInt64 = 1_000_000

    @Test func aSpurtRunsFromStartFlagToEndFlag() {
        var t = SpurtTracker()
        #expect(t.frame(source: 7, seq: 1, flags: .start, payload: [1], now: 0) == [
            .started(id: 7, spurt: 1, at: 0), .audio(id: 7, spurt: 1, payload: [1], lost: 0),
        ])
        #expect(t.frame(source: 7, seq: 2, flags: [], payload: [2], now: 20 * Self.ms) == [.audio(id: 7, spurt: 1, payload: [2], lost: 0)])
        #expect(t.frame(source: 7, seq: 3, flags: .end, payload: [3], now: 40 * Self.ms) == [
            .audio(id: 7, spurt: 1, payload: [3], lost: 0), .ended(id: 7, spurt: 1, at: 40 * Self.ms),
        ])
        #expect(t.speaking == 0)
        // The next talk is a new spurt.
        #expect(t.frame(source: 7, seq: 4, flags: .start, payload: [4], now: 1000 * Self.ms).first == .started(id: 7, spurt: 2, at: 1000 * Self.ms))
    }

    @Test func speakersAreTrackedApart() {
        var t = SpurtTracker()
        _ = t.frame(source: 1, seq: 10, flags: .start, payload: [1], now: 0)
        _ = t.frame(source: 2, seq: 500, flags: .start, payload: [2], now: 5 * Self.ms)
        #expect(t.speaking == 2)
        #expect(t.left(id: 1) == [.ended(id: 1, spurt: 1, at: 0)])
        #expect(t.frame(source: 2, seq: 501, flags: [], payload: [3], now: 25 * Self.ms) == [.audio(id: 2, spurt: 2, payload: [3], lost: 0)])
        #expect(t.left(id: 1).isEmpty)
        #expect(t.speaking == 1)
    }

    @Test func duplicatesAndLateFramesAreIgnoredAndGapsReported() {
        var t = SpurtTracker()
        _ = t.frame(source: 3, seq: 65534, flags: .start, payload: [1], now: 0)
        #expect(t.frame(source: 3, seq: 65534, flags: [], payload: [1], now: 1).isEmpty)
        // Wraps around: 65534 → 1 is two frames lost (65535, 0).
        #expect(t.frame(source: 3, seq: 1, flags: [], payload: [2], now: 60 * Self.ms) == [.audio(id: 3, spurt: 1, payload: [2], lost: 2)])
        #expect(t.frame(source: 3, seq: 0, flags: [], payload: [9], now: 61 * Self.ms).isEmpty)
        // A long gap is concealed only so far.
        #expect(t.frame(source: 3, seq: 200, flags: [], payload: [3], now: 80 * Self.ms) == [.audio(id: 3, spurt: 1, payload: [3], lost: 5)])
    }

    @Test func silenceEndsASpurtAndLongTalkIsCutInPieces() {
        var limits = SpurtTracker.Limits()
        limits.idleEnd = 600 * Self.ms
        limits.longestPiece = 1000 * Self.ms
        var t = SpurtTracker(limits: limits)
        _ = t.frame(source: 4, seq: 1, flags: [], payload: [1], now: 0)
        #expect(t.nextDeadline == 600 * Self.ms)
        #expect(t.tick(now: 599 * Self.ms).isEmpty)
        #expect(t.tick(now: 600 * Self.ms) == [.ended(id: 4, spurt: 1, at: 0)])
        // Frames every 20 ms for 1.5 s: cut once the piece reaches 1 s, and the talk goes on.
        var ended: [UInt64] = []
        for i in 0..<75 {
            for e in t.frame(source: 4, seq: UInt16(10 + i), flags: [], payload: [1], now: 2000 * Self.ms + UInt64(i) * 20 * Self.ms) {
                if case .ended(_, _, let at) = e { ended.append(at) }
            }
        }
        #expect(ended == [3000 * Self.ms])
        #expect(t.speaking == 1)
    }

    /// A client learns of `talk` off (from the END frame's roster change, or the relay's
    /// message) just before the END frame: the frame still belongs to the spurt.
    @Test func talkOffWaitsForTheEndFrame() {
        var t = SpurtTracker()
        _ = t.frame(source: 6, seq: 1, flags: .start, payload: [1], now: 0)
        t.talkOff(id: 6, now: 20 * Self.ms)
        #expect(t.frame(source: 6, seq: 2, flags: .end, payload: [2], now: 21 * Self.ms) == [
            .audio(id: 6, spurt: 1, payload: [2], lost: 0), .ended(id: 6, spurt: 1, at: 21 * Self.ms),
        ])
        // Without an END frame, the spurt ends after the grace.
        _ = t.frame(source: 6, seq: 3, flags: .start, payload: [3], now: 1000 * Self.ms)
        t.talkOff(id: 6, now: 1010 * Self.ms)
        #expect(t.nextDeadline == 1210 * Self.ms)
        #expect(t.tick(now: 1100 * Self.ms).isEmpty)
        #expect(t.tick(now: 1210 * Self.ms) == [.ended(id: 6, spurt: 2, at: 1000 * Self.ms)])
    }

    @Test func aStartFlagMidSpurtBeginsAnother() {
        var t = SpurtTracker()
        _ = t.frame(source: 5, seq: 1, flags: .start, payload: [1], now: 0)
        #expect(t.frame(source: 5, seq: 2, flags: .start, payload: [2], now: 20 * Self.ms) == [
            .ended(id: 5, spurt: 1, at: 0), .started(id: 5, spurt: 2, at: 20 * Self.ms), .audio(id: 5, spurt: 2, payload: [2], lost: 0),
        ])
    }

    @Test func tooManySpeakersAreCountedNotTracked() {
        var limits = SpurtTracker.Limits()
        limits.maxSpeakers = 2
        var t = SpurtTracker(limits: limits)
        _ = t.frame(source: 1, seq: 1, flags: [], payload: [1], now: 0)
        _ = t.frame(source: 2, seq: 1, flags: [], payload: [1], now: 0)
        #expect(t.frame(source: 3, seq: 1, flags: [], payload: [1], now: 0).isEmpty)
        #expect(t.ignoredFrames == 1)
        #expect(t.endAll(now: 5).count == 2)
    }
}

@Suite struct RecognitionScheduleTests {
    @Test func aFreeEngineIsFedAsTheSpurtGoes() {
        var s = RecognitionSchedule(engines: 2, maxWaitingSamples: 100)
        #expect(s.started(spurt: 1) == [.begin(engine: 0, spurt: 1)])
        #expect(s.audio(spurt: 1, samples: [1, 2]) == [.feed(engine: 0, spurt: 1, samples: [1, 2])])
        #expect(s.ended(spurt: 1) == [.finish(engine: 0, spurt: 1)])
        #expect(s.busy == 1)
        #expect(s.done(engine: 0).isEmpty)
        #expect(s.busy == 0)
    }

    @Test func aSpurtWaitsForABusyEngineAndGetsItsAudioWhole() {
        var s = RecognitionSchedule(engines: 1, maxWaitingSamples: 100)
        _ = s.started(spurt: 1)
        #expect(s.started(spurt: 2).isEmpty)
        #expect(s.audio(spurt: 2, samples: [5]).isEmpty)
        #expect(s.audio(spurt: 2, samples: [6, 7]).isEmpty)
        #expect(s.backlog == 1)
        #expect(s.ended(spurt: 1) == [.finish(engine: 0, spurt: 1)])
        // Spurt 2 still going: it is begun and fed, and runs on.
        #expect(s.done(engine: 0) == [.begin(engine: 0, spurt: 2), .feed(engine: 0, spurt: 2, samples: [5]), .feed(engine: 0, spurt: 2, samples: [6, 7])])
        #expect(s.audio(spurt: 2, samples: [8]) == [.feed(engine: 0, spurt: 2, samples: [8])])
        #expect(s.ended(spurt: 2) == [.finish(engine: 0, spurt: 2)])
    }

    @Test func anEndedWaitingSpurtIsFinishedAsSoonAsItIsFed() {
        var s = RecognitionSchedule(engines: 1, maxWaitingSamples: 100)
        _ = s.started(spurt: 1)
        _ = s.started(spurt: 2)
        _ = s.audio(spurt: 2, samples: [1])
        #expect(s.ended(spurt: 2).isEmpty)
        _ = s.ended(spurt: 1)
        #expect(s.done(engine: 0) == [.begin(engine: 0, spurt: 2), .feed(engine: 0, spurt: 2, samples: [1]), .finish(engine: 0, spurt: 2)])
        #expect(s.done(engine: 0).isEmpty)
        #expect(s.backlog == 0 && s.busy == 0)
    }

    @Test func aFullBacklogDropsTheSpurtThatWouldOverflowIt() {
        var s = RecognitionSchedule(engines: 1, maxWaitingSamples: 4)
        _ = s.started(spurt: 1)
        _ = s.started(spurt: 2)
        _ = s.started(spurt: 3)
        #expect(s.audio(spurt: 2, samples: [1, 2, 3]).isEmpty)
        #expect(s.audio(spurt: 3, samples: [1, 2]).isEmpty) // 5 > 4: spurt 3 goes
        #expect(s.droppedCount == 1)
        #expect(s.audio(spurt: 3, samples: [9]).isEmpty)
        #expect(s.ended(spurt: 3) == [.dropped(spurt: 3, samples: 3)])
        // Spurt 2 kept its place.
        _ = s.ended(spurt: 1)
        #expect(s.done(engine: 0).first == .begin(engine: 0, spurt: 2))
    }
}

@Suite struct TranscriptLineTests {
    @Test func aLineIsOneJSONObject() {
        let line = TranscriptLine(room: "standup", id: 17, name: "al \"ice\"", start: "2026-12-07T09:30:01.250Z",
                                  end: "2026-12-07T09:30:03.000Z", text: "good morning", recognizer: "pocketsphinx")
        #expect(line.jsonLine == #"{"room":"standup","id":17,"name":"al \"ice\"","start":"2026-12-07T09:30:01.250Z","end":"2026-12-07T09:30:03.000Z","text":"good morning","recognizer":"pocketsphinx"}"# + "\n")
        #expect(TranscriptLine.relativePath(room: "standup", date: "2026-12-07") == "standup/2026-12-07/transcript.jsonl")
    }
}

@Suite struct CaptionMessageTests {
    @Test func encodesAndParses() throws {
        let c = CaptionMessage(from: 9, about: 17, name: "alice", text: "good morning", final: true)
        #expect(String(decoding: c.encoded(), as: UTF8.self) == #"{"t":"caption","from":9,"about":17,"name":"alice","text":"good morning","final":true}"#)
        let decoded = try ControlMessage.decode(c.encoded(), limit: 65_536)
        #expect(CaptionMessage.parse(decoded) == c)
    }

    @Test func refusesWhatIsNotACaption() throws {
        for text in [#"{"t":"caption","from":9,"about":0,"name":"a","text":"x","final":true}"#,
                     #"{"t":"caption","from":9,"about":1,"name":"a","text":"","final":true}"#,
                     #"{"t":"caption","from":9,"about":1,"name":"a","text":"x"}"#,
                     #"{"t":"caption","from":9,"about":1,"name":" a","text":"x","final":false}"#,
                     #"{"t":"chat","from":9,"text":"x"}"#] {
            #expect(CaptionMessage.parse(try ControlMessage.decode(Array(text.utf8), limit: 65_536)) == nil, "\(text)")
        }
    }

    @Test func aLongTextIsCutAtAWord() {
        let long = Array(repeating: "word", count: 400).joined(separator: " ")
        let fitted = CaptionMessage.fitted(long)
        #expect(fitted.unicodeScalars.count <= CaptionMessage.maxTextLength)
        #expect(fitted.hasSuffix("word…"))
        #expect(CaptionMessage.fitted("short") == "short")
    }
}
