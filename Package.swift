// swift-tools-version:6.2
import PackageDescription

// Target graph (see README "Layout"):
//   PTTCore     pure Swift, imports nothing but the standard library
//   CALSA, COpus, CNCurses   system libraries behind prefixed shims
//   PTTAudio    ALSA devices and the Opus codec (links ALSA, Opus)
//   ptt         the command line: the only place that wires pieces together
let package = Package(
    name: "ptt",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ptt", targets: ["ptt"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
    ],
    targets: [
        .target(name: "PTTCore"),
        .systemLibrary(name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(name: "COpus", pkgConfig: "opus", providers: [.apt(["libopus-dev"])]),
        .systemLibrary(name: "CNCurses", providers: [.apt(["libncurses-dev"])]),
        .target(name: "PTTAudio", dependencies: ["PTTCore", "CALSA", "COpus"]),
        .executableTarget(
            name: "ptt",
            dependencies: [
                "PTTCore", "PTTAudio",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Measurements for BENCHMARKS.md (`make bench-audio`); not installed.
        .executableTarget(name: "PTTAudioBench", dependencies: ["PTTCore", "PTTAudio"]),
        .testTarget(name: "PTTCoreTests", dependencies: ["PTTCore"]),
        .testTarget(name: "PTTAudioTests", dependencies: ["PTTAudio", "PTTCore", "COpus", "CALSA", "CNCurses"]),
        .testTarget(name: "PTTCommandTests", dependencies: ["ptt", "PTTAudio", "PTTCore"]),
    ],
    swiftLanguageModes: [.v6]
)
