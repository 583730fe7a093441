/// Polls batches until each reaches a terminal state, backing off from `initial` to `max` with jitter.
///
/// Provider errors while polling are retried with the same backoff; they never end the wait by themselves.
public struct BatchWatcher: Sendable {
    let provider: any BatchProvider
    let clock: any Clock<Duration>
    let initial: Duration
    let max: Duration

    public init(provider: any BatchProvider, clock: any Clock<Duration>, initial: Duration, max: Duration) {
        self.provider = provider
        self.clock = clock
        self.initial = initial
        self.max = max
    }

    /// Waits for every batch; returns their final snapshots in the order given.
    public func waitForAll(_ ids: [String], onPoll: ([BatchSnapshot]) -> Void = { _ in }) async throws -> [BatchSnapshot] {
        var latest: [BatchSnapshot?] = Array(repeating: nil, count: ids.count)
        var delay = initial
        while true {
            for (i, id) in ids.enumerated() where latest[i]?.state.isTerminal != true {
                do {
                    latest[i] = try await provider.snapshot(batchID: id)
                } catch let error as ProviderError where error.retryable {
                    continue
                }
            }
            onPoll(latest.compactMap { $0 })
            if latest.allSatisfy({ $0?.state.isTerminal == true }) { return latest.map { $0! } }
            let jitter = Double.random(in: 0.8...1.2)
            try await clock.sleep(for: delay * jitter)
            delay = Swift.min(delay * 1.5, max)
        }
    }
}
