import Foundation
import Logging

/// Drives one Message Batch to `ended` from `in_progress` or `canceling` (so a restart resumes it: the
/// requests are run again from the start, giving the same answers). A restart while `canceling` ends every
/// request not yet published as `canceled`: results are kept only once the batch ended.
struct MessageBatchJob: Sendable {
    let store: EmulatorStore
    let model: DeterministicModel
    let timing: EmulatorTiming
    let logger: Logger
    /// Shared with OpenAI batch jobs: bounds concurrent CPU-heavy work.
    let slots: WorkSlots
    /// Line and batch faults (`--faults`).
    let faults: FaultPlan

    /// Runs the batch until it ended or the task is cancelled (shutdown; the status stays as persisted).
    func run(_ id: String) async {
        do {
            if let record = await store.messageBatch(id), record.status != .ended {
                try await process(record)
            }
            await store.dropStopSignal(for: id)
        } catch is CancellationError {
            logger.debug("message batch job stopped for shutdown", metadata: ["batch": "\(id)"])
        } catch {
            // An emulator fault (disk full, unreadable requests): end the batch rather than retry it forever.
            logger.error("message batch job failed", metadata: ["batch": "\(id)", "error": "\(error)"])
            await failAll(id)
            await store.dropStopSignal(for: id)
        }
    }

    private func process(_ record: MessageBatchRecord) async throws {
        let id = record.id
        let paths = store.paths
        let signal = await store.messageBatchStopSignal(for: id)
        let plan = MessageBatchPlan(
            batchID: id, requestsPath: paths.messageBatchRequests(id), workDirectory: paths.workDirectory(id),
            model: model, requestCount: record.requestCount, pacing: timing.processingDelay,
            deadline: Date(timeIntervalSince1970: record.expiresAt), signal: signal, slots: slots, faults: faults,
            batchFault: faults.batchDraw(seed: model.seed, batchID: id)?.kind)
        let outcome = try await withTaskCancellationHandler {
            try await OwnedThread.run(name: "process \(id)") { try MessageBatchProcessor.run(plan) }
        } onCancel: {
            signal.shutDown()
        }
        if outcome.end == .shutdown { throw CancellationError() }
        await store.countFaults(outcome.injected)
        try await Task.sleep(for: timing.finalizingDelay)
        let directory = paths.workDirectory(id)
        let destination = paths.messageBatchResults(id)
        let seed = StableHash.of(id + "/shuffle", seed: model.seed)
        _ = try await OwnedThread.run(name: "assemble \(id)") {
            let assembled = try ResultAssembly.assemble(
                directory: directory, kind: "out", destination: destination, seed: seed)
            // Every result line dropped (`missing_line`): the results are still served, empty.
            if assembled.lines == 0 { _ = FileManager.default.createFile(atPath: destination, contents: Data()) }
            return assembled
        }
        try await end(id, counts: outcome.counts)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Publishes the final counts: `ended`, `ended_at` set, `results_url` from now on. The requests are
    /// no longer needed.
    private func end(_ id: String, counts: MessageBatchCounts) async throws {
        let now = Date().timeIntervalSince1970
        try await store.updateMessageBatch(id) { r in
            r.status = .ended
            r.endedAt = now
            r.counts = counts
        }
        try? FileManager.default.removeItem(atPath: store.paths.messageBatchRequests(id))
    }

    /// Ends the batch with every request `errored` (`api_error`), as far as the disk still allows.
    private func failAll(_ id: String) async {
        let paths = store.paths
        let (requests, destination) = (paths.messageBatchRequests(id), paths.messageBatchResults(id))
        let counts = try? await OwnedThread.run(name: "fail \(id)") {
            try MessageBatchProcessor.failAll(requestsPath: requests, destination: destination)
        }
        let total = await store.messageBatch(id)?.requestCount ?? 0
        try? await end(id, counts: counts ?? MessageBatchCounts(errored: total))
        try? FileManager.default.removeItem(atPath: paths.workDirectory(id))
    }
}
