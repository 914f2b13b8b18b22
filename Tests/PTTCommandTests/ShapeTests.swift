import Foundation
import Testing

/// The design rules that keep the targets honest (STYLE.md): the core links nothing, the
/// relay never links ALSA, Opus or ncurses.
@Suite struct ShapeTests {
    static var root: URL {
        var dir = ChildProcess.binDirectory
        while dir.pathComponents.count > 1, !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
            dir.deleteLastPathComponent()
        }
        return dir
    }

    @Test func coreImportsNothing() throws {
        let core = Self.root.appendingPathComponent("Sources/PTTCore")
        let files = try FileManager.default.contentsOfDirectory(atPath: core.path).filter { $0.hasSuffix(".swift") }
        #expect(files.count > 20)
        for file in files {
            let text = try String(contentsOf: core.appendingPathComponent(file), encoding: .utf8)
            let imports = text.split(separator: "\n").filter { $0.trimmingCharacters(in: .whitespaces).range(of: #"^(@_exported |public |internal )?import "#, options: .regularExpression) != nil }
            #expect(imports.isEmpty, "\(file) imports \(imports)")
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
        for lib in ["libasound", "libopus", "libncurses"] { #expect(!text.contains(lib), "ptt-relay links \(lib)") }
    }
}
