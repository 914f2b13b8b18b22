import Testing
@testable import PTTProtocol
@testable import PTTConfig

@Suite struct ClientConfigTests {
    func table(_ text: String) throws -> TOMLTable { try TOML.parse(text) }

    /// The table's settings as the flags that would say the same, in key order.
    func arguments(file: TOMLTable?, environment: [String: String], accepted: [String: ClientConfig.Kind],
                   path: String = "config.toml") throws -> [String] {
        let table = try ClientConfig.table(file: file, environment: environment, accepted: accepted, path: path)
        return table.keys.sorted().compactMap { key -> String? in
            guard let entry = table[key], let kind = accepted[key] else { return nil }
            switch kind {
            case .value: return "--\(key)=\(entry.value.text)"
            case .flag: return entry.value == .boolean(true) ? "--\(key)" : nil
            case .negatedFlag(let option): return entry.value == .boolean(false) ? "--\(option)" : nil
            }
        }
    }

    @Test func fileThenEnvironmentBecomeArguments() throws {
        let file = try table("""
            relay = "ws://team.example.org:7700"
            bitrate = 32000
            mode = "toggle"
            cues = false
            stereo = true
            """)
        let args = try arguments(file: file, environment: ["PTT_MODE": "vox", "PTT_INPUT": "hw:1"],
                                              accepted: ClientConfig.joinKeys)
        #expect(args == ["--bitrate=32000", "--no-cues", "--input=hw:1", "--mode=vox",
                         "--relay=ws://team.example.org:7700", "--stereo"])
        let sourced = try ClientConfig.table(file: file, environment: ["PTT_MODE": "vox"], accepted: ClientConfig.joinKeys, path: "/c.toml")
        #expect(sourced["mode"] == Setting(.text("vox"), from: .environment("PTT_MODE")))
        #expect(sourced["bitrate"] == Setting(.integer(32000), from: .file(path: "/c.toml", line: 2)))
        #expect(sourced["bitrate"]?.source.description == "/c.toml line 2")
        // A value that starts with '-' stays one argument with its option.
        #expect(try arguments(file: nil, environment: ["PTT_TOKEN": "-k3y"], accepted: ClientConfig.connectionKeys) == ["--token=-k3y"])
    }

    @Test func onlyTheCommandsKeysAreUsed() throws {
        let file = try table("relay = \"ws://x\"\ninput = \"hw:2\"")
        #expect(try arguments(file: file, environment: ["PTT_TOKEN": "t"], accepted: ClientConfig.audioKeys) == ["--input=hw:2"])
        // send encodes (codec keys, no devices or talk mode); listen also plays (output, cues),
        // but takes no file-wide stereo (its .opus recordings are mono).
        let shared = try table("bitrate = \"16k\"\nmode = \"vox\"\ninput = \"hw:2\"\noutput = \"hw:3\"\ncues = false\nstereo = true")
        #expect(try arguments(file: shared, environment: [:], accepted: ClientConfig.sendKeys) == ["--bitrate=16k"])
        #expect(try arguments(file: shared, environment: [:], accepted: ClientConfig.listenKeys) == ["--bitrate=16k", "--no-cues", "--output=hw:3"])
    }

    @Test func mistakesAreClearErrors() throws {
        #expect(throws: ConfigError.self) { try arguments(file: try table("relya = \"x\""), environment: [:], accepted: ClientConfig.joinKeys) }
        let typed = try table("\n\nstereo = \"yes\"")
        #expect(throws: ConfigError("/c.toml line 3: 'stereo' takes true or false, not a string")) {
            try arguments(file: typed, environment: [:], accepted: ClientConfig.joinKeys, path: "/c.toml")
        }
        #expect(throws: ConfigError("PTT_STEREO: use true or false, not 'maybe'")) {
            try arguments(file: nil, environment: ["PTT_STEREO": "maybe"], accepted: ClientConfig.joinKeys)
        }
        #expect(throws: ConfigError("PTT_RELAY is empty")) {
            try arguments(file: nil, environment: ["PTT_RELAY": ""], accepted: ClientConfig.joinKeys)
        }
    }

    @Test func environmentNamesAndPaths() {
        #expect(ClientConfig.environmentName("frame-ms") == "PTT_FRAME_MS")
        #expect(ClientConfig.path(environment: ["HOME": "/home/a"]) == "/home/a/.config/ptt/config.toml")
        #expect(ClientConfig.path(environment: ["HOME": "/home/a", "XDG_CONFIG_HOME": "/x"]) == "/x/ptt/config.toml")
        #expect(ClientConfig.path(environment: ["PTT_CONFIG": "/etc/ptt.toml", "HOME": "/h"]) == "/etc/ptt.toml")
        #expect(ClientConfig.path(environment: [:]) == nil)
        // The relay's own variables are not client settings.
        #expect(ClientConfig.joinKeys.keys.allSatisfy { !ClientConfig.environmentName($0).hasPrefix("PTT_RELAY_") })
    }
}

@Suite struct RoomListingTests {
    @Test func parsesWhatTheRelayWrites() throws {
        let rooms = [RoomListing(name: "b", members: 2, talkers: 1, floor: .single), RoomListing(name: "a", members: 1, talkers: 0, floor: .open),
                     RoomListing(name: "_hidden", members: 5, talkers: 0, floor: .open)]
        let parsed = try RoomListing.parse(Array(RoomListing.json(rooms).utf8))
        #expect(parsed.map(\.name) == ["a", "b"])
        #expect(parsed[1] == rooms[0])
        #expect(RoomListing.table(parsed) == "ROOM  MEMBERS  TALKING  FLOOR\na           1        0  open\nb           2        1  single\n")
        #expect(RoomListing.table([]) == "no listed rooms\n")
        #expect(throws: MessageError.self) { try RoomListing.parse(Array(#"{"rooms":[{"name":"a/b","members":1,"talkers":0}]}"#.utf8)) }
        #expect(throws: MessageError.self) { try RoomListing.parse(Array("[]".utf8)) }
    }
}
