import Foundation
import Logging
import SluiceCore
import SluiceEmulator
import SluiceProviders

/// Provides the pipeline's provider for the duration of some work.
///
/// For `provider: local` it starts the emulator in-process on an ephemeral loopback port, with its state
/// under `.sluice/emulator/` so a later run finds its batches again, and talks to it over HTTP through
/// the same client used for api.openai.com. The emulator stops when the work ends.
enum ProviderSession {
    static func with<T: Sendable>(
        spec: PipelineSpec, paths: SluicePaths, logger: Logger,
        _ body: @escaping @Sendable (any BatchProvider) async throws -> T
    ) async throws -> T {
        guard spec.provider == .local else {
            let provider = try ProviderFactory.make(
                spec: spec, environment: ProcessInfo.processInfo.environment, paths: paths, logger: logger)
            return try await body(provider)
        }
        return try await withLocalProvider(stateDirectory: paths.emulatorState, logger: logger) { port in
            try await body(ProviderFactory.local(spec: spec, port: port, paths: paths, logger: logger))
        }
    }

    /// Runs the local provider in-process on an ephemeral loopback port for the duration of `body`, its state
    /// under `stateDirectory`; `body` receives the port.
    static func withLocalProvider<T: Sendable>(
        stateDirectory: String, logger: Logger, _ body: @escaping @Sendable (Int) async throws -> T
    ) async throws -> T {
        try SluicePaths.ensureDirectory(stateDirectory)
        var configuration = EmulatorConfiguration(stateDirectory: stateDirectory)
        configuration.port = 0
        return try await Emulator.serving(configuration: configuration, logger: logger, body)
    }
}
