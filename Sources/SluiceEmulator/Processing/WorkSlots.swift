import Foundation

/// Bounds how many processing threads do CPU-heavy work (validating, answering requests) at the same time.
///
/// Threads take a slot while they compute and give it back while they sleep (paced processing), so slow,
/// paced batches never hold up others, and a burst of large batches shares the cores instead of thrashing.
///
/// Answering goes before validating: a batch already validated gets the next free slot, so batches end one after
/// another, as they were created, and their results can be downloaded while later ones run. When slots went
/// first come, first served, 66 batches created together were all validated before any was answered, and all
/// ended at once (a 1M-row drop: the client idle for the emulator's whole run, then busy for its whole download).
///
/// Blocking by design: only called from `OwnedThread`s, never from the cooperative pool.
///
/// `@unchecked Sendable`: `free` and `waiting` are read and written only while `condition` is locked.
final class WorkSlots: @unchecked Sendable {
    /// What a slot is taken for; a later kind goes first.
    enum Work: Int, CaseIterable {
        case validating = 0
        case answering = 1
    }

    private let condition = NSCondition()
    private var free: Int
    /// Threads waiting, per `Work`.
    private var waiting = [Int](repeating: 0, count: Work.allCases.count)

    /// `count` slots (at least one).
    init(count: Int) {
        free = max(1, count)
    }

    /// Waits for a slot for `work`; false (no slot taken) if `signal` says stop first.
    func acquire(for work: Work, unless signal: StopSignal?) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        waiting[work.rawValue] += 1
        defer { waiting[work.rawValue] -= 1 }
        while free == 0 || waiting[(work.rawValue + 1)...].contains(where: { $0 > 0 }) {
            if signal?.shouldStop == true { return false }
            // A timed wait: the stop signal is not tied to this condition.
            _ = condition.wait(until: Date(timeIntervalSinceNow: 0.05))
        }
        free -= 1
        return true
    }

    /// Returns a slot taken with `acquire`.
    func release() {
        condition.lock()
        defer { condition.unlock() }
        free += 1
        condition.broadcast()
    }
}
