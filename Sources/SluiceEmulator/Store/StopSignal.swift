import Foundation
import Synchronization

/// Tells a batch's processing thread to stop: because the client cancelled, or because the emulator shuts down.
///
/// Shared between the store (which sets `cancelled` on a cancel request), the job task (which sets
/// `shuttingDown` when its task is cancelled) and the processing thread (which polls both per line).
final class StopSignal: Sendable {
    /// Invariant: flags only ever go from false to true.
    private let flags = Mutex<(cancelled: Bool, shuttingDown: Bool)>((false, false))
    /// Requests run through the model so far; only grows. A test hook (`/_emulator/message_batches/{id}`).
    private let answered = Mutex(0)

    /// Counts one request answered by the model.
    func recordAnswered() { answered.withLock { $0 += 1 } }
    /// Requests answered so far.
    var answeredCount: Int { answered.withLock { $0 } }

    /// Wakes `waitUntilStopped`: a `stuck` batch blocks its thread on it instead of polling `shouldStop`.
    private let stopped = NSCondition()

    /// Marks the batch cancelled by the client.
    func cancel() {
        flags.withLock { $0.cancelled = true }
        wakeWaiters()
    }
    /// Marks the emulator as shutting down.
    func shutDown() {
        flags.withLock { $0.shuttingDown = true }
        wakeWaiters()
    }

    /// Blocks the calling (owned) thread until `shouldStop`. The flag is set before the condition is taken and
    /// checked while holding it, so a stop between the check and the wait is not missed.
    func waitUntilStopped() {
        stopped.lock()
        while !shouldStop { stopped.wait() }
        stopped.unlock()
    }

    private func wakeWaiters() {
        stopped.lock()
        stopped.broadcast()
        stopped.unlock()
    }
    /// True once the client cancelled.
    var isCancelled: Bool { flags.withLock { $0.cancelled } }
    /// True once the emulator is shutting down.
    var isShuttingDown: Bool { flags.withLock { $0.shuttingDown } }
    /// True if processing should stop for either reason.
    var shouldStop: Bool { flags.withLock { $0.cancelled || $0.shuttingDown } }
}
