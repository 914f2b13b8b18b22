// swift-tools-version:6.2
import PackageDescription

// Target graph (see README "Layout"):
//   PTTCore     pure Swift, imports nothing but the standard library
//   CALSA, COpus, CNCurses   system libraries behind prefixed shims
//   PTTAudio    ALSA devices and the Opus codec (links ALSA, Opus)
//   PTTClient   a session's connection to a relay (SwiftNIO WebSocket); no devices
//   ptt         the command line: the only place that wires pieces together
let package = Package(
    name: "ptt",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ptt", targets: ["ptt"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", exact: "2.37.6"),
    ],
    targets: [
        .target(name: "PTTCore"),
        .systemLibrary(name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(name: "COpus", pkgConfig: "opus", providers: [.apt(["libopus-dev"])]),
        .systemLibrary(name: "CNCurses", providers: [.apt(["libncurses-dev"])]),
        .target(name: "PTTAudio", dependencies: ["PTTCore", "CALSA", "COpus"]),
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
        .executableTarget(
            name: "ptt",
            dependencies: [
                "PTTCore", "PTTAudio", "PTTClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "PTTCoreTests", dependencies: ["PTTCore"]),
        .testTarget(
            name: "PTTClientTests",
            dependencies: [
                "PTTClient", "PTTCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "PTTAudioTests", dependencies: ["PTTAudio", "PTTCore", "COpus", "CALSA", "CNCurses"]),
    ],
    swiftLanguageModes: [.v6]
)
