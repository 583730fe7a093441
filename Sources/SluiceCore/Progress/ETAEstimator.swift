/// Time left for requests at a provider, from the rate they finished at since a baseline (their submission).
///
/// The rate is measured up to the last observation, not up to now: providers report counts only when polled
/// (every 30 s or more), and dividing by the time since would make the rate sag between polls. Between
/// observations the estimate counts down with the clock instead. Times are seconds on any one clock.
public struct ETAEstimator: Sendable, Equatable {
    /// When counting started and how many requests were done then.
    public private(set) var baselineAt: Double?
    public private(set) var baselineDone = 0
    /// The last observation.
    public private(set) var observedAt: Double?
    public private(set) var done = 0
    public private(set) var total = 0

    public init() {}

    /// Counting starts at `at` with `done` requests finished (a submission: zero). A later call is ignored.
    public mutating func begin(at: Double, done: Int = 0) {
        guard baselineAt == nil else { return }
        baselineAt = at
        baselineDone = done
    }

    /// Records the counts seen at `at`; the first observation is the baseline when `begin` was not called (a
    /// resumed run: what finished before it is not part of the rate).
    public mutating func observe(at: Double, done: Int, total: Int) {
        begin(at: at, done: done)
        observedAt = at
        self.done = done
        self.total = total
    }

    /// Requests finished per second since the baseline; nil until some finished after it.
    public var rate: Double? {
        guard let baselineAt, let observedAt, done > baselineDone, observedAt > baselineAt else { return nil }
        return Double(done - baselineDone) / (observedAt - baselineAt)
    }

    /// Seconds left at `now`: zero when all are done, nil while the rate is unknown.
    public func secondsLeft(now: Double) -> Double? {
        if total > 0 && done >= total { return 0 }
        guard let rate, let observedAt else { return nil }
        return Swift.max(0, Double(total - done) / rate - (now - observedAt))
    }
}
