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
}
