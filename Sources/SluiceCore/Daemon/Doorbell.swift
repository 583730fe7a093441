import Synchronization

/// Wakes the intake loop before its next deadline: an inotify event arrived, or a job ended (a twin held back may
/// go, a drop may have joined its collection, `--once` may be done).
///
/// The loop sleeps until its earliest deadline instead of ticking, so an idle daemon wakes only for its timers; a
/// ring makes the next `wait` return at once, however many rings came meanwhile (they are hints: the loop looks
/// at everything when it wakes).
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns at `deadline`, on a ring (one that came since the last wait included), or when the task is cancelled.
    func wait(until deadline: ContinuousClock.Instant) async {
        let rungMeanwhile = state.withLock { state in
            defer { state.rung = false }
            return state.rung
        }
        if rungMeanwhile { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            group.addTask { await self.rung() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Suspends until a ring; a cancelled wait resumes at once.
    private func rung() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.rung || Task.isCancelled {
                        state.rung = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
