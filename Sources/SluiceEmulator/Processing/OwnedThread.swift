import Foundation

/// Runs blocking work (file scans, result writing) on a thread of its own, never on the cooperative pool.
enum OwnedThread {
    /// Runs `work` on a new thread and resumes with its result.
    static func run<T: Sendable>(name: String, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try work() })
            }
            thread.name = name
            // Schema generation recurses; give deep (but bounded) schemas room.
            thread.stackSize = 16 << 20
            thread.start()
        }
    }
}
