// swift-tools-version:6.2
import PackageDescription

// Target graph (see README "Layout"):
//   PTTCore     pure Swift, imports nothing but the standard library
//   CALSA, COpus, CNCurses   system libraries behind prefixed shims
//   PTTAudio    ALSA devices and the Opus codec (links ALSA, Opus)
//   PTTTerminal the ncurses screen and the key reader (links ncurses; never audio or network)
//   ptt-tui-demo  test harness for PTTTerminal, driven through tmux by PTTTerminalTests
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
        .target(name: "PTTTerminal", dependencies: ["PTTCore", "CNCurses"]),
        // A test harness for PTTTerminal: draws a scripted ScreenModel; driven by the tmux tests.
        .executableTarget(name: "ptt-tui-demo", dependencies: ["PTTTerminal", "PTTCore"]),
        .executableTarget(
            name: "ptt",
            dependencies: [
                "PTTCore", "PTTAudio",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "PTTCoreTests", dependencies: ["PTTCore"]),
        .testTarget(name: "PTTTerminalTests", dependencies: ["PTTTerminal", "PTTCore"]),
        .testTarget(name: "PTTAudioTests", dependencies: ["PTTAudio", "PTTCore", "COpus", "CALSA", "CNCurses"]),
    ],
    swiftLanguageModes: [.v6]
)
