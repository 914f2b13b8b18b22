// swift-tools-version:6.2
import PackageDescription

// Target graph (see README "Layout"):
//   PTTCore     pure Swift, imports nothing but the standard library
//   CALSA, COpus, CNCurses   system libraries behind prefixed shims
//   PTTAudio    ALSA devices and the Opus codec (links ALSA, Opus)
//   PTTClient   a session's connection to a relay (SwiftNIO WebSocket); no devices
//   PTTRelay    the relay on Hummingbird; never links ALSA, Opus or ncurses
//   PTTTerminal the ncurses screen and the key reader (links ncurses; never audio or network)
//   ptt-tui-demo  test harness for PTTTerminal, driven through tmux by PTTTerminalTests
//   ptt         the command line: the only place that wires pieces together
//   ptt-relay   the relay alone, for servers
let package = Package(
    name: "ptt",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ptt", targets: ["ptt"]),
        .executable(name: "ptt-relay", targets: ["ptt-relay"]),
        .executable(name: "ptt-loadgen", targets: ["ptt-loadgen"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", exact: "2.8.1"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", exact: "2.37.6"),
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
        .target(
            name: "PTTClient",
            dependencies: [
                "PTTCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "PTTRelay",
            dependencies: [
                "PTTCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "ptt-relay",
            dependencies: ["PTTRelay", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "ptt-loadgen",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "ptt",
            dependencies: [
                "PTTCore", "PTTAudio", "PTTClient", "PTTRelay", "PTTTerminal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Measurements for BENCHMARKS.md (`make bench-audio`); not installed.
        .executableTarget(name: "PTTAudioBench", dependencies: ["PTTCore", "PTTAudio"]),
        .testTarget(name: "PTTCoreTests", dependencies: ["PTTCore"]),
        .testTarget(
            name: "PTTClientTests",
            dependencies: [
                "PTTClient", "PTTCore", "PTTTestSupport",
            ]
        ),
        .testTarget(
            name: "PTTRelayTests",
            dependencies: [
                "PTTRelay", "PTTCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers shared by test targets (a private tmux server to drive programs in).
        .target(
            name: "PTTTestSupport",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            path: "Tests/PTTTestSupport"
        ),
        .testTarget(name: "PTTTerminalTests", dependencies: ["PTTTerminal", "PTTCore", "PTTTestSupport"]),
        .testTarget(name: "PTTAudioTests", dependencies: ["PTTAudio", "PTTCore", "COpus", "CALSA", "CNCurses"]),
        // Runs the built `ptt` and `ptt-relay` executables as a person or script would, and
        // checks the command-line options (`@testable import ptt`).
        .testTarget(name: "PTTCommandTests", dependencies: ["ptt", "PTTAudio", "PTTCore", "PTTTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
