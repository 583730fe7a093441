import Dispatch

/// Bounds how many processing threads do CPU-heavy work (validating, answering requests) at the same time.
///
/// Threads take a slot while they compute and give it back while they sleep (paced processing), so slow,
/// paced batches never hold up others, and a burst of large batches shares the cores instead of thrashing.
/// Blocking by design: only called from `OwnedThread`s, never from the cooperative pool.
final class WorkSlots: Sendable {
    private let semaphore: DispatchSemaphore

    /// `count` slots (at least one).
    init(count: Int) {
        semaphore = DispatchSemaphore(value: max(1, count))
    }

    /// Waits for a slot; false (no slot taken) if `signal` says stop first.
    func acquire(unless signal: StopSignal?) -> Bool {
        while semaphore.wait(timeout: .now() + .milliseconds(50)) == .timedOut {
            if signal?.shouldStop == true { return false }
        }
        return true
    }

    /// Returns a slot taken with `acquire`.
    func release() {
        semaphore.signal()
    }
}
