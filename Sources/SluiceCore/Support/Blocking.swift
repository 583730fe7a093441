import Foundation

/// Runs blocking work (file I/O, inflate, parsing) on a thread Sluice owns.
///
/// Swift's cooperative pool has one thread per core (two here); a long blocking loop on it would stall
/// every other task in the process, including polling and the emulator's server.
public enum Blocking {
    /// Runs `body` on a new thread and returns its result.
    public static func run<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do {
                    continuation.resume(returning: try body())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = name
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Runs `body` on a new thread; cancelling the calling task raises the flag `body` is given.
    ///
    /// The body decides where it can stop safely and throws `StoppedEarly` there; this then throws
    /// `CancellationError`, so callers treat it like any other cancellation.
    public static func run<T: Sendable>(
        _ name: String, stoppable body: @escaping @Sendable (StopFlag) throws -> T
    ) async throws -> T {
        let flag = StopFlag()
        do {
            return try await withTaskCancellationHandler {
                try await run(name) { try body(flag) }
            } onCancel: {
                flag.raise()
            }
        } catch is StoppedEarly {
            throw CancellationError()
        }
    }
}
