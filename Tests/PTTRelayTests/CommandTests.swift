import ArgumentParser
import Foundation
@testable import PTTRelay
import Testing

/// The command line: sources of settings and their precedence, errors, help.
@Suite struct CommandTests {
    func tempFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ptt-\(UUID().uuidString)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func flagsWinOverEnvironmentOverFile() throws {
        let config = try tempFile("""
        bind = "127.0.0.1:1000"
        floor = "single"
        max-rooms = 5
        max-room-members = 6
        log-format = "json"
        record = "/from-file"
        stats-token = "file-token"
        [rooms._lobby]
        floor = "open"
        """)
        let tokens = try tempFile("# team\nalpha\nbeta\n")
        defer { try? FileManager.default.removeItem(atPath: config); try? FileManager.default.removeItem(atPath: tokens) }
        let options = try RelayOptions.parse(["--config", config, "--bind", "127.0.0.1:0", "--token", "cli", "--token-file", tokens,
                                                  "--record", "/from-flag"])
        let s = try options.settings(environment: ["PTT_RELAY_BIND": "127.0.0.1:2000", "PTT_RELAY_MAX_ROOMS": "7", "PTT_RELAY_TOKEN": "env",
                                                          "PTT_RELAY_STATS_TOKEN": "env-token"])
        #expect(s.host == "127.0.0.1" && s.port == 0)
        #expect(s.maxRooms == 7 && s.maxRoomMembers == 6)
        #expect(s.floor == .single && s.floor(for: "_lobby") == .open)
        #expect(s.logFormat == .json)
        #expect(s.tokens == ["cli", "alpha", "beta"])
        #expect(s.recordDirectory == "/from-flag" && s.statsToken == "env-token")
    }

    @Test func configFromTheEnvironment() throws {
        let config = try tempFile("max-talk-seconds = 30\n")
        defer { try? FileManager.default.removeItem(atPath: config) }
        let s = try RelayOptions.parse([]).settings(environment: ["PTT_RELAY_CONFIG": config])
        #expect(s.maxTalkSeconds == 30)
        #expect(s.host == "0.0.0.0" && s.port == 7700)
    }

    @Test func invalidSettingsAreValidationErrors() throws {
        let bad = try tempFile("bind = 7700\nfloor = true\n")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        func message(_ args: [String], _ env: [String: String] = [:]) -> String? {
            do { _ = try RelayOptions.parse(args).settings(environment: env); return nil } catch {
                return (error as? ValidationError)?.message ?? "\(error)"
            }
        }
        #expect(message(["--config", bad]) == "\(bad) line 1: expected HOST:PORT, got '7700'")
        #expect(message(["--config", "/nonexistent/relay.toml"])?.hasPrefix("/nonexistent/relay.toml: cannot open") == true)
        #expect(message(["--tls-cert", "c.pem"]) == "--tls-cert and --tls-key go together: give both or neither")
        #expect(message([], ["PTT_RELAY_FLOOR": "loud"]) == "PTT_RELAY_FLOOR: floor must be open or single, not 'loud'")
        #expect(message(["--max-talk-seconds=-1"]) == "--max-talk-seconds: -1 is out of range 0...86400")
    }

    @Test func helpNamesTheSettings() {
        let help = RelayCommand.helpMessage()
        for flag in ["--bind", "--tls-cert", "--tls-key", "--token", "--token-file", "--max-room-members", "--max-rooms",
                     "--max-connections", "--floor", "--max-talk-seconds", "--log-level", "--log-format", "--record", "--stats-token", "--config",
                     "--max-connections-per-address", "--max-pending-per-address", "--address-frame-rate", "--address-text-rate", "--limit-loopback"] {
            #expect(help.contains(flag), "\(flag)")
        }
        #expect(!help.contains("--hello-timeout-ms"))
    }
}
