import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SluiceEmulator
import UnixSignals

/// `sluice emulator`: the local provider as a standalone server.
struct EmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract:
            "Run the local provider: the OpenAI Files, Batches and realtime endpoints and the Anthropic Messages "
            + "and Message Batches APIs, with a deterministic model.",
        discussion: """
            Prints 'sluice emulator listening on http://HOST:PORT' once it accepts connections. Point an \
            OpenAI client at http://HOST:PORT/v1, or an Anthropic client at http://HOST:PORT, with any API key. \
            Stops on SIGINT or SIGTERM.

            Faults are injected with --faults KIND=RATE[,KIND=RATE...], rates in 0...1, adding up to 1 or less \
            per layer. Transport kinds hit every API call but /_emulator/* (drawn per call number and --seed), \
            line kinds every batch request (drawn per custom_id and --seed: a retry under a new id draws \
            afresh), batch kinds every batch (drawn per batch id and --seed). Kinds: \
            \(FaultKind.allCases.map { "\($0.rawValue) [\($0.layer.rawValue)] (\($0.summary))" }
                .joined(separator: "; ")). \
            GET /_emulator/stats counts them under faults_injected.
            """
    )

    @Option(help: "Address to listen on (keep it on loopback).") var host = "127.0.0.1"
    @Option(help: "Port to listen on; 0 picks a free one.") var port = 8089
    @Option(help: "Seed of the deterministic model.") var seed: UInt64 = 0
    @Option(name: .customLong("state-dir"), help: ArgumentHelp("Where files and batches are kept.", valueName: "dir"))
    var stateDirectory = ".sluice/emulator"
    @Option(
        name: .customLong("processing-delay"),
        help: ArgumentHelp("Milliseconds each batch spends in_progress (to test polling and cancel).", valueName: "ms"))
    var processingDelay: Int?
    @Option(
        help: ArgumentHelp(
            "Faults to inject, e.g. 'http429=0.2,reset=0.01,line_error=0.05,expire=0.1' (kinds: "
                + FaultKind.allCases.map(\.rawValue).joined(separator: ", ") + ").",
            valueName: "spec"))
    var faults = ""
    @Option(
        name: .customLong("retry-after"),
        help: ArgumentHelp("Seconds an injected 429 asks the client to wait (fractions allowed).", valueName: "s"))
    var retryAfter: Double = 1
    @Option(
        name: .customLong("slow-ms"),
        help: ArgumentHelp("Milliseconds a 'slow' fault holds an answer back.", valueName: "ms"))
    var slowMilliseconds = 2_000

    func validate() throws {
        _ = try faultPlan()
    }

    /// The parsed `--faults`, `--retry-after` and `--slow-ms`; a bad one is a usage error naming the bad part.
    func faultPlan() throws -> FaultPlan {
        do {
            var plan = try FaultPlan(parsing: faults, retryAfterSeconds: retryAfter)
            try plan.setSlow(milliseconds: slowMilliseconds)
            return plan
        } catch {
            let option =
                switch error.code {
                case "faults.bad_retry_after": "--retry-after"
                case "faults.bad_slow_ms": "--slow-ms"
                default: "--faults"
                }
            throw ValidationError("\(option): \(error.message) [\(error.code)]")
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "sluice.emulator")
        logger.logLevel = .warning
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        var configuration = EmulatorConfiguration(stateDirectory: stateDirectory)
        configuration.host = host
        configuration.port = port
        configuration.seed = seed
        configuration.faults = try faultPlan()
        if let processingDelay { configuration.timing.processingDelay = .milliseconds(processingDelay) }
        let emulator = Emulator(configuration: configuration, logger: logger)
        let announcer = ListeningAnnouncer(emulator: emulator, host: host)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: emulator), .init(service: announcer, successTerminationBehavior: .ignore)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}

/// Prints the listening line once the emulator accepts connections, so scripts can read the port.
struct ListeningAnnouncer: Service {
    let emulator: Emulator
    let host: String

    func run() async throws {
        let port = try await emulator.waitUntilListening()
        FileHandle.standardOutput.write(Data("sluice emulator listening on http://\(host):\(port)\n".utf8))
    }
}
