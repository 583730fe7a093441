import Foundation

/// Which drops the daemon is working on, holding back, or will try again; shared by its tasks.
actor JobBook {
    private(set) var running: Set<Int64> = []
    /// Drops held back until an earlier drop of the same content finishes (its results are then reused).
    private(set) var deferred: Set<Int64> = []
    /// Drops held for approval (over budget): their job ended; they start again when approved, or on a new UTC
    /// day (a daily hold may fit then).
    private(set) var parked: Set<Int64> = []
    /// Drops whose job failed, with when to try again.
    private(set) var retryAt: [Int64: ContinuousClock.Instant] = [:]
    private(set) var failures = 0
    private(set) var finished = 0
    /// Rung whenever a job ends or parks: the intake loop, asleep until its next deadline, looks again.
    private let bell: Doorbell?

    init(bell: Doorbell? = nil) {
        self.bell = bell
    }

    func start(_ id: Int64) -> Bool {
        guard !running.contains(id) else { return false }
        running.insert(id)
        deferred.remove(id)
        parked.remove(id)
        retryAt[id] = nil
        return true
    }

    func end(_ id: Int64, failedUntil: ContinuousClock.Instant?) {
        running.remove(id)
        if let failedUntil {
            retryAt[id] = failedUntil
            failures += 1
        } else {
            finished += 1
        }
        bell?.ring()
    }

    /// Not rung: the loop holds drops itself, and a job holding a collection's members rings when it ends.
    func hold(_ id: Int64) { deferred.insert(id) }

    /// Ends the job of a drop held for approval.
    func park(_ id: Int64) {
        running.remove(id)
        parked.insert(id)
        bell?.ring()
    }

    /// Failed drops due for another try.
    func due(at now: ContinuousClock.Instant) -> [Int64] {
        retryAt.filter { $0.value <= now }.map(\.key).sorted()
    }

    /// When the next failed drop is due for another try (a deadline of the intake loop).
    var nextRetry: ContinuousClock.Instant? { retryAt.values.min() }

    /// True when nothing is running or held back (failed drops and drops held for approval are not waited for).
    var idle: Bool { running.isEmpty && deferred.isEmpty }
    var isBusy: Bool { !running.isEmpty }
}

/// What a `--once` run ended with.
public struct DaemonOutcome: Sendable {
    /// Files that reached their manifest (complete or rejected).
    public var finished = 0
    /// Files whose processing failed (not a rejection: the file is kept and tried again on the next run).
    public var failed = 0
    /// Files held for approval (over budget): nothing was sent for them.
    public var held = 0
    /// Pipelines with files waiting whose spec is broken.
    public var pausedPipelines: [String] = []
}
