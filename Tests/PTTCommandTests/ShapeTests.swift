import Foundation
import Testing

/// The design rules that keep the targets honest (README "Layout"): each pure core imports the
/// standard library and `PTTProtocol` (settings also `PTTConfig`), nothing else; the relay never
/// imports or links audio, terminal or client code.
@Suite struct ShapeTests {
    static var root: URL {
        var dir = ChildProcess.binDirectory
        while dir.pathComponents.count > 1, !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
            dir.deleteLastPathComponent()
        }
        return dir
    }

    /// The modules each pure core may import.
    static let cores: [String: Set<String>] = [
        "PTTProtocol": [],
        "PTTConfig": ["PTTProtocol"],
        "PTTRecordingCore": ["PTTProtocol"],
        "PTTAudioCore": ["PTTProtocol"],
        "PTTSessionCore": ["PTTProtocol"],
        "PTTRelayCore": ["PTTProtocol", "PTTConfig"],
        "PTTTerminalCore": ["PTTProtocol"],
        "PTTScribeCore": ["PTTProtocol"],
    ]

    /// Modules the relay's targets must never import.
    static let notForTheRelay: Set<String> = [
        "PTTAudio", "PTTAudioCore", "PTTSessionCore", "PTTClient", "PTTTerminal", "PTTTerminalCore",
        "CALSA", "COpus", "CSpeexDSP", "CNCurses", "PTTScribe", "PTTScribeCore", "CPocketSphinx",
    ]

    /// The modules a target's Swift files import, by file.
    static func imports(of target: String) throws -> [(file: String, modules: [String])] {
        let dir = root.appendingPathComponent("Sources/\(target)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".swift") }.sorted()
        return try files.map { file in
            let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            let modules = text.split(separator: "\n").compactMap { line -> String? in
                let words = line.split(separator: " ").map(String.init)
                guard let i = words.firstIndex(of: "import"), i + 1 < words.count,
                      words[..<i].allSatisfy({ $0.hasPrefix("@") || ["public", "internal", "package"].contains($0) }) else { return nil }
                return words[i + 1]
            }
            return (file, modules)
        }
    }

    @Test func coresImportOnlyTheProtocolCore() throws {
        let sources = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Sources").path)
        for core in sources where core.hasPrefix("PTT") && (core.hasSuffix("Core") || core == "PTTProtocol" || core == "PTTConfig") {
            #expect(Self.cores[core] != nil, "\(core) is a core without import rules here")
        }
        for (core, allowed) in Self.cores {
            let files = try Self.imports(of: core)
            #expect(files.count >= 2, "\(core) has \(files.count) files")
            for (file, modules) in files {
                for module in modules { #expect(allowed.contains(module), "\(core)/\(file) imports \(module)") }
            }
        }
    }

    @Test func relayImportsNoAudioTerminalOrClientCode() throws {
        for target in ["PTTRelay", "PTTRelayCore", "ptt-relay"] {
            for (file, modules) in try Self.imports(of: target) {
                for module in modules { #expect(!Self.notForTheRelay.contains(module), "\(target)/\(file) imports \(module)") }
            }
        }
    }

    @Test func relayLinksNoAudioOrTerminalLibrary() throws {
        let ldd = Process()
        ldd.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
        ldd.arguments = [ChildProcess.binDirectory.appendingPathComponent("ptt-relay").path]
        let out = Pipe()
        ldd.standardOutput = out
        try ldd.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        ldd.waitUntilExit()
        #expect(text.contains("libc.so"), "ldd gave: \(text)")
        for lib in ["libasound", "libopus", "libspeexdsp", "libncurses", "libpocketsphinx", "libsphinxbase"] { #expect(!text.contains(lib), "ptt-relay links \(lib)") }
    }
}
