import Logging
import ServiceLifecycle

extension Emulator {
    /// Runs an emulator for the duration of `body`, which receives the port it listens on, then shuts it
    /// down gracefully (in-flight requests finish; state is already on disk).
    ///
    /// This is how `provider: local` works in-process: the engine talks to it over loopback HTTP through
    /// the same client it uses for real providers.
    public static func serving<T: Sendable>(
        configuration: EmulatorConfiguration, logger: Logger, _ body: @escaping @Sendable (Int) async throws -> T
    ) async throws -> T {
        let emulator = Emulator(configuration: configuration, logger: logger)
        let group = ServiceGroup(services: [emulator], logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            do {
                let port = try await emulator.waitUntilListening()
                let result = try await body(port)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
        }
    }
}
