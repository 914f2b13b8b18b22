// swift-tools-version:6.2
import PackageDescription

// Target graph (see README "Layout"): one pure core per domain beside its shell.
//   PTTProtocol        the wire: frames, control messages, JSON, validation, close codes, URLs
//   PTTConfig          the TOML config file, typed settings and where each value came from
//   PTTRecordingCore   Ogg Opus and WAV containers (written by the relay and the client)
//   PTTAudioCore       gate, jitter buffer and playout, mixer, levels, cues, pacing, resampler
//   PTTSessionCore     the client session state machine, roster, backoff, events, script commands
//   PTTRelayCore       rooms, connection rules, queues, token buckets, ids, statistics, settings
//   PTTTerminalCore    key decoding, hold detection, line editor, input mapping, screen layout
// Every core imports the standard library and PTTProtocol (settings also PTTConfig), nothing else
// (checked by ShapeTests). The shells:
//   PTTSystem   the one POSIX funnel (EINTR, typed Errno), file reads and writes, the monotonic clock
//   CALSA, COpus, CSpeexDSP, CNCurses   system libraries behind prefixed shims
//   PTTAudio    ALSA devices, the Opus codec, speech processing, audio threads (links ALSA, Opus, speexdsp)
//   PTTClient   a session's connection to a relay (SwiftNIO WebSocket); no devices
//   PTTRelay    the relay on Hummingbird; never links audio, terminal or client code
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
        // HTTP request and response parts as Hummingbird's pipeline carries them.
        .package(url: "https://github.com/apple/swift-nio-extras.git", exact: "1.35.2"),
        .package(url: "https://github.com/apple/swift-system.git", exact: "1.8.1"),
        // SHA-256 of relay certificates (fingerprints to show and pin).
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "3.12.3"),
    ],
    targets: [
        .target(name: "PTTProtocol"),
        .target(name: "PTTConfig", dependencies: ["PTTProtocol"]),
        .target(name: "PTTRecordingCore", dependencies: ["PTTProtocol"]),
        .target(name: "PTTAudioCore", dependencies: ["PTTProtocol"]),
        .target(name: "PTTSessionCore", dependencies: ["PTTProtocol"]),
        .target(name: "PTTRelayCore", dependencies: ["PTTProtocol", "PTTConfig"]),
        .target(name: "PTTTerminalCore", dependencies: ["PTTProtocol"]),
        .target(name: "PTTScribeCore", dependencies: ["PTTProtocol"]),
        // The shells' one POSIX funnel (EINTR, typed errno), whole-file reads and the monotonic clock.
        .target(name: "PTTSystem", dependencies: [
            "PTTProtocol", .product(name: "SystemPackage", package: "swift-system"), .product(name: "Logging", package: "swift-log"),
        ]),
        .systemLibrary(name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(name: "COpus", pkgConfig: "opus", providers: [.apt(["libopus-dev"])]),
        .systemLibrary(name: "CNCurses", providers: [.apt(["libncurses-dev"])]),
        // Relays of a cluster share rooms through NATS: the official C client.
        .systemLibrary(name: "CNATS", pkgConfig: "libnats", providers: [.apt(["libnats-dev"])]),
        // The microphone's cleaning before the talk gate and the encoder: noise suppression and AGC.
        .systemLibrary(name: "CSpeexDSP", pkgConfig: "speexdsp", providers: [.apt(["libspeexdsp-dev"])]),
        // The scribe's recognizer: PocketSphinx with Debian's US English model.
        .systemLibrary(name: "CPocketSphinx", pkgConfig: "pocketsphinx", providers: [.apt(["libpocketsphinx-dev", "pocketsphinx-en-us"])]),
        .target(name: "PTTAudio", dependencies: ["PTTProtocol", "PTTSystem", "PTTAudioCore", "PTTRecordingCore", "CALSA", "COpus", "CSpeexDSP"]),
        .target(name: "PTTTerminal", dependencies: ["PTTProtocol", "PTTSystem", "PTTTerminalCore", "CNCurses"]),
        // A test harness for PTTTerminal: draws a scripted ScreenModel; driven by the tmux tests.
        .executableTarget(name: "ptt-tui-demo", dependencies: ["PTTTerminal", "PTTTerminalCore", "PTTProtocol"]),
        .target(
            name: "PTTClient",
            dependencies: [
                "PTTProtocol", "PTTSystem", "PTTSessionCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The scribe: listens to a room, recognizes each spurt, sends captions, writes transcripts.
        .target(name: "PTTScribe", dependencies: ["PTTProtocol", "PTTSystem", "PTTScribeCore", "PTTSessionCore", "PTTAudio", "PTTClient", "CPocketSphinx"]),
        .target(
            name: "PTTRelay",
            dependencies: [
                "PTTProtocol", "PTTSystem", "PTTConfig", "PTTRelayCore", "PTTRecordingCore", "CNATS",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
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
                "PTTProtocol", "PTTSystem",
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
                "PTTProtocol", "PTTSystem", "PTTConfig", "PTTAudioCore", "PTTRecordingCore", "PTTSessionCore", "PTTRelayCore",
                "PTTTerminalCore", "PTTAudio", "PTTClient", "PTTRelay", "PTTTerminal", "PTTScribeCore", "PTTScribe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A TCP proxy that adds jitter and stalls to what a listener receives (tests, benchmarks).
        .executableTarget(name: "ptt-netem", dependencies: ["PTTProtocol", "PTTSystem"]),
        // Measurements for BENCHMARKS.md (`make bench-audio`); not installed.
        // The recognizer on raw files, the baseline of `make bench-scribe`; not installed.
        .executableTarget(name: "PTTScribeBench", dependencies: ["PTTScribe", "PTTSystem"]),
        .executableTarget(name: "PTTAudioBench", dependencies: ["PTTProtocol", "PTTSystem", "PTTAudioCore", "PTTAudio"]),
        .testTarget(name: "PTTProtocolTests", dependencies: ["PTTProtocol"]),
        .testTarget(name: "PTTSystemTests", dependencies: ["PTTSystem", "PTTProtocol", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "PTTConfigTests", dependencies: ["PTTConfig", "PTTProtocol"]),
        .testTarget(name: "PTTRecordingCoreTests", dependencies: ["PTTRecordingCore", "PTTProtocol"]),
        .testTarget(name: "PTTAudioCoreTests", dependencies: ["PTTAudioCore", "PTTProtocol"]),
        .testTarget(name: "PTTSessionCoreTests", dependencies: ["PTTSessionCore", "PTTAudioCore", "PTTProtocol"]),
        .testTarget(name: "PTTRelayCoreTests", dependencies: ["PTTRelayCore", "PTTConfig", "PTTProtocol"]),
        .testTarget(name: "PTTTerminalCoreTests", dependencies: ["PTTTerminalCore", "PTTProtocol"]),
        .testTarget(name: "PTTScribeCoreTests", dependencies: ["PTTScribeCore", "PTTProtocol"]),
        .testTarget(name: "PTTScribeTests", dependencies: ["PTTScribe", "PTTScribeCore", "PTTAudio", "PTTProtocol", "PTTSystem"]),
        .testTarget(
            name: "PTTClientTests",
            dependencies: [
                "PTTClient", "PTTSessionCore", "PTTProtocol", "PTTSystem", "PTTTestSupport",
            ]
        ),
        .testTarget(
            name: "PTTRelayTests",
            dependencies: [
                "PTTRelay", "PTTRelayCore", "PTTProtocol", "PTTSystem",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
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
        .testTarget(name: "PTTTerminalTests", dependencies: ["PTTTerminal", "PTTTerminalCore", "PTTProtocol", "PTTTestSupport"]),
        .testTarget(name: "PTTAudioTests", dependencies: ["PTTAudio", "PTTSystem", "PTTAudioCore", "PTTRecordingCore", "PTTProtocol", "COpus", "CALSA", "CNCurses"]),
        // Runs the built `ptt` and `ptt-relay` executables as a person or script would, and
        // checks the command-line options (`@testable import ptt`).
        .testTarget(name: "PTTCommandTests", dependencies: ["ptt", "PTTSessionCore", "PTTAudio", "PTTAudioCore", "PTTRecordingCore", "PTTProtocol", "PTTConfig", "PTTTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
