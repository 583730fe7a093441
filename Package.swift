// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "sluice",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
        .library(name: "SluiceCore", targets: ["SluiceCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C libraries from Debian (zlib1g-dev, libcurl4-openssl-dev), wrapped in static inline shims.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // JSON values, parsing, writing and JSON Schema validation: no dependencies.
        .target(name: "SluiceJSON", swiftSettings: swiftSettings, linkerSettings: [.linkedLibrary("m")]),
        // Streaming byte sources (plain, gzip), CSV and JSONL readers and writers.
        .target(name: "SluiceRecords", dependencies: ["CZlib", "CMalloc"], swiftSettings: swiftSettings),
        // The engine: specs, templates, rendering, chunking, state, results, outbox. No HTTP, no curl.
        .target(
            name: "SluiceCore",
            dependencies: [
                "SluiceJSON", "SluiceRecords",
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // What operators watch: JSON log lines, the Prometheus registry, /metrics, /healthz and /status over HTTP.
        .target(
            name: "SluiceOps",
            dependencies: [
                "SluiceCore", "SluiceJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP client over libcurl.
        .target(
            name: "SluiceHTTP",
            dependencies: ["CCurl", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // One adapter per provider behind the engine's BatchProvider protocol.
        .target(name: "SluiceProviders", dependencies: ["SluiceCore", "SluiceHTTP"], swiftSettings: swiftSettings),
        // The local provider: OpenAI Files + Batches wire protocol with a deterministic model.
        .target(
            name: "SluiceEmulator",
            dependencies: [
                "SluiceJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test support: temp folders, fixtures, the emulator in-process.
        .target(
            name: "SluiceTesting",
            dependencies: ["SluiceCore", "SluiceEmulator", "SluiceProviders", "SluiceHTTP", "SluiceJSON"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "sluice",
            dependencies: [
                "SluiceCore", "SluiceProviders", "SluiceEmulator", "SluiceOps",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        .testTarget(name: "SluiceJSONTests", dependencies: ["SluiceJSON"], swiftSettings: swiftSettings),
        .testTarget(name: "SluiceRecordsTests", dependencies: ["SluiceRecords"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SluiceHTTPTests",
            dependencies: [
                "SluiceHTTP", "SluiceProviders",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceEmulatorTests",
            dependencies: [
                "SluiceEmulator", "SluiceJSON",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceOpsTests",
            dependencies: [
                "SluiceOps", "SluiceCore", "SluiceJSON",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "SluiceCoreTests", dependencies: ["SluiceCore", "SluiceTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SluiceIntegrationTests",
            dependencies: [
                "SluiceCore", "SluiceTesting", "SluiceProviders", "SluiceEmulator",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
