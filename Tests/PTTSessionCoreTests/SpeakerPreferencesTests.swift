import Testing
@testable import PTTProtocol
@testable import PTTSessionCore

@Suite struct SpeakerPreferencesTests {
    @Test func volumeStepsWithinBoundsAndMuteToggles() {
        var p = SpeakerPreferences()
        #expect(p["bob"] == .init(volumePercent: 100, muted: false))
        #expect(p.changeVolume(of: "bob", by: -3).volumePercent == 70)
        #expect(p.changeVolume(of: "bob", by: 30).volumePercent == 200)
        #expect(p.changeVolume(of: "bob", by: -50).volumePercent == 0)
        #expect(p.toggleMuted("carol").muted && p["carol"].muted)
        #expect(!p.toggleMuted("carol").muted)
        // A setting back at the default is forgotten, not stored.
        #expect(p.entries.map(\.name) == ["bob"])
    }

    @Test func theFileRoundTripsAndBadFilesAreRefusedInWords() throws {
        var p = SpeakerPreferences()
        _ = p.changeVolume(of: "bob", by: -2)
        _ = p.toggleMuted("Zoë \"z\"")
        let back = try SpeakerPreferences.parse(Array(p.json.utf8))
        #expect(back == p)
        #expect(back["Zoë \"z\""].muted && back["bob"].volumePercent == 80)
        #expect(throws: SpeakerPreferences.ParseError.notAnObject) { try SpeakerPreferences.parse(Array("[1]".utf8)) }
        #expect(throws: SpeakerPreferences.ParseError.badEntry("bob")) {
            try SpeakerPreferences.parse(Array(#"{"bob":{"volume":900,"muted":false}}"#.utf8))
        }
        #expect(throws: SpeakerPreferences.ParseError.badEntry("bob")) { try SpeakerPreferences.parse(Array(#"{"bob":3}"#.utf8)) }
        do {
            _ = try SpeakerPreferences.parse(Array("{".utf8))
            Issue.record("a broken file was accepted")
        } catch {
            #expect(error.description.hasPrefix("not JSON"))
        }
    }

    @Test func theMostRecentlyChangedAreKept() {
        var p = SpeakerPreferences()
        for i in 0..<(SpeakerPreferences.capacity + 5) { _ = p.changeVolume(of: "n\(i)", by: 1) }
        #expect(p.entries.count == SpeakerPreferences.capacity)
        #expect(p["n0"].volumePercent == 100 && p["n\(SpeakerPreferences.capacity + 4)"].volumePercent == 110)
    }
}
