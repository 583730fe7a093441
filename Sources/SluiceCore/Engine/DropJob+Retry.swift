import Foundation
import Logging

extension DropJob {
    /// Rounds a row may wait out a full provider queue (`queue_full`) without spending one of its attempts.
    static let maxQueueWaits = 5

    // MARK: a round ended → the next round staged (or downloaded)

    /// After every batch of the drop ended: plans the next retry round and moves the drop back to `staged`,
    /// or returns false when no row is left to retry (no retryable failure, or `retry.max_attempts` reached).
    ///
    /// Only the rows of the round that just ended are candidates, each by its latest outcome and its attempts
    /// so far (`RetryPlanner.Budget`: `max_attempts` counted ones, full-queue waits aside). Planning is repeatable: a crash before the round is recorded plans
    /// it again over the same outcome files and rewrites the same chunk files.
    func planRetryRound(_ chunks: [ChunkRecord]) async throws -> Bool {
        let lastRound = chunks.map(\.round).max() ?? 1
        let round = lastRound + 1
        let budget = RetryPlanner.Budget(maxAttempts: spec.retry.maxAttempts, maxQueueWaits: Self.maxQueueWaits)
        guard round <= budget.maxAttempts + budget.maxQueueWaits, !chunks.isEmpty else { return false }
        let work = paths.dropWork(dropID)
        let previous = chunks.filter { $0.round == lastRound }.map {
            RetryPlanner.Previous(outcomes: work + "/" + ChunkRecord.outcomesName(seq: $0.seq))
        }
        let staged = chunks.filter { $0.round == 1 }.map {
            RetryPlanner.Staged(path: $0.path, firstRow: $0.firstRow, lastRow: $0.lastRow)
        }
        let format = provider.wireFormat
        let planner = RetryPlanner(
            maxBytes: min(spec.batch.targetBytes, provider.maxBytesPerBatch),
            maxRequests: min(spec.batch.maxRequests, provider.maxRequestsPerBatch), framing: format.framing,
            repair: spec.retry.repair)
        let firstSeq = (chunks.map(\.seq).max() ?? 0) + 1
        let spans = chunks.map {
            (span: OutcomeLayers.Span(
                firstRow: $0.firstRow, lastRow: $0.lastRow, outcomes: work + "/" + ChunkRecord.outcomesName(seq: $0.seq)),
             round: $0.round)
        }
        let (planned, onlyQueueFull, byKind) = try await Blocking.run("sluice-retry-plan") {
            var layers = OutcomeLayers(chunks: spans)
            return try planner.plan(
                round: round, previous: previous, staged: staged, layers: &layers, budget: budget, directory: work,
                firstSeq: firstSeq)
        }
        guard !planned.isEmpty else { return false }
        if onlyQueueFull {
            // The provider's queue was full: give it time to drain before the same requests go again.
            log.notice("the provider's queue is full; waiting before sending again", metadata: ["wait": "\(spec.retry.queueWait)"])
            try await environment.clock.sleep(for: spec.retry.queueWait)
        }
        let records = planned.map {
            ChunkRecord(
                dropID: dropID, seq: $0.seq, path: $0.path, requests: $0.requests, bytes: $0.bytes,
                firstRow: $0.firstRow, lastRow: $0.lastRow, round: round)
        }
        try await store.recordRetryRound(dropID: dropID, chunks: records)
        SluiceMetrics.retried(byKind, pipeline: spec.name)
        log.notice(
            "retrying rows whose attempt failed for a reason that may pass",
            metadata: [
                "round": "\(round)", "of": "\(spec.retry.maxAttempts)", "rows": "\(planned.reduce(0) { $0 + $1.requests })",
                "chunks": "\(planned.count)",
            ])
        return true
    }
}
