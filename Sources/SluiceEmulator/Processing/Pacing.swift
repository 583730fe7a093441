import Foundation

/// Spreads a batch's requests evenly over its processing delay, so every status stays observable and a
/// cancel lands mid-batch. Shared by OpenAI batches and Anthropic Message Batches.
enum Pacing {
    /// Sleeps until request `index` (0-based, of `count`) is due, `pacing × (index + 1) / count` after `start`,
    /// without holding a work slot meanwhile; false if `signal` says stop first (then no slot is held).
    /// Blocking: call it from an owned thread.
    static func waitForTurn(
        pacing: Duration, count: Int, index: Int, start: ContinuousClock.Instant, signal: StopSignal,
        slots: WorkSlots, holdsSlot: inout Bool
    ) -> Bool {
        let due = start + pacing * (Double(index + 1) / Double(max(1, count)))
        guard ContinuousClock.now < due else { return true }
        slots.release()
        holdsSlot = false
        while ContinuousClock.now < due {
            if signal.shouldStop { return false }
            let left = due - ContinuousClock.now
            let slice = min(left, .milliseconds(20))
            if slice > .zero {
                let c = slice.components
                Thread.sleep(forTimeInterval: Double(c.seconds) + Double(c.attoseconds) / 1e18)
            }
        }
        holdsSlot = slots.acquire(for: .answering, unless: signal)
        return holdsSlot
    }

    /// Sleeps, holding no work slot, until `signal` says stop (a `stuck` batch waits for its cancel); false
    /// always, as the caller stops then. Blocking: call it from an owned thread.
    static func waitUntilStopped(signal: StopSignal, slots: WorkSlots, holdsSlot: inout Bool) -> Bool {
        if holdsSlot {
            slots.release()
            holdsSlot = false
        }
        signal.waitUntilStopped()
        return false
    }
}
