import Foundation
import Logging

/// Drives one batch through its lifecycle, from whatever status it is in (so a restart resumes it):
/// validating → failed | in_progress → finalizing → completed, with cancelling → cancelled and expired
/// branching off.
struct BatchJob: Sendable {
    let store: EmulatorStore
    let model: DeterministicModel
    let timing: EmulatorTiming
    let limits: EmulatorLimits
    let logger: Logger
    /// Shared by all jobs: bounds concurrent CPU-heavy work.
    let slots: WorkSlots
    /// Line and batch faults (`--faults`).
    let faults: FaultPlan

    /// How a batch that ran ends.
    enum Outcome {
        case completed, cancelled, expired
    }

    /// Runs the batch until it is terminal or the task is cancelled (shutdown; the status stays as persisted).
    func run(_ id: String) async {
        do {
            while let record = await store.batch(id), !record.status.isTerminal {
                switch record.status {
                case .validating: try await validate(record)
                case .inProgress: try await process(record)
                case .finalizing: try await finish(record, as: .completed)
                case .cancelling: try await finish(record, as: .cancelled)
                default: break
                }
            }
            await store.dropStopSignal(for: id)
        } catch is CancellationError {
            logger.debug("batch job stopped for shutdown", metadata: ["batch": "\(id)"])
        } catch {
            // An emulator fault (disk full, unreadable input): end the batch rather than retry it forever.
            logger.error("batch job failed", metadata: ["batch": "\(id)", "error": "\(error)"])
            let now = EmulatorStore.now()
            let failure = BatchLineError(code: "server_error", message: "The emulator failed: \(error)", param: nil, line: nil)
            _ = try? await store.updateBatch(id) { r in
                guard !r.status.isTerminal else { return }
                r.status = .failed
                r.failedAt = now
                r.errors = [failure]
            }
            await store.dropStopSignal(for: id)
        }
    }

    private func validate(_ record: BatchRecord) async throws {
        try await Task.sleep(for: timing.validatingDelay)
        let id = record.id
        guard await store.file(record.inputFileID) != nil else {
            let error = BatchLineError(
                code: "invalid_request",
                message: "Cannot find file \(record.inputFileID), or organization org-sluice-emulator "
                    + "does not have access to it.",
                param: "file_id", line: nil)
            try await fail(id, errors: [error])
            return
        }
        let path = store.paths.fileContent(record.inputFileID)
        let (endpoint, limits) = (record.endpoint, self.limits)
        let slots = self.slots
        let report = try await OwnedThread.run(name: "validate \(id)") {
            _ = slots.acquire(for: .validating, unless: nil)
            defer { slots.release() }
            return try InputValidation.validate(path: path, endpoint: endpoint, limits: limits)
        }
        try await store.recordRequests(batchID: id, count: report.requestCount)
        if !report.errors.isEmpty {
            try await fail(id, errors: report.errors)
            return
        }
        // Batch faults strike only a batch that is otherwise valid: a bad file fails with its real errors.
        let draw = faults.batchDraw(seed: model.seed, batchID: id)
        if let draw, draw.kind == .failValidation || draw.kind == .queueFull {
            await store.countFaults([draw.kind: 1])
            try await fail(id, errors: [Self.batchFault(draw, report: report)])
            return
        }
        if let draw { await store.countFaults([draw.kind: 1]) }
        try await store.recordCustomIDs(batchID: id, keys: report.customIDKeys)
        let now = EmulatorStore.now()
        try await store.updateBatch(id) { r in
            guard r.status == .validating else { return }
            r.status = .inProgress
            r.inProgressAt = now
            r.model = report.model
            r.requestCounts = RequestCounts(total: report.requestCount)
        }
    }

    /// The `errors.data` entry of a `fail_validation` or `queue_full` batch.
    static func batchFault(_ draw: FaultDraw, report: ValidationReport) -> BatchLineError {
        if draw.kind == .queueFull {
            return BatchLineError(
                code: "token_limit_exceeded",
                message: "Enqueued token limit reached for \(report.model ?? "the model") in organization "
                    + "org-sluice-emulator. Limit: 2,000,000 enqueued tokens. Please try submitting an equivalent "
                    + "batch again later.",
                param: nil, line: nil)
        }
        let line = 1 + Int(draw.variant % UInt64(max(1, report.requestCount)))
        return BatchLineError(
            code: "invalid_request",
            message: "Line \(line) failed validation: fault fail_validation injected by the Sluice emulator.",
            param: nil, line: line)
    }

    private func fail(_ id: String, errors: [BatchLineError]) async throws {
        let now = EmulatorStore.now()
        try await store.updateBatch(id) { r in
            guard r.status == .validating else { return }
            r.status = .failed
            r.failedAt = now
            r.errors = errors
            r.requestCounts = RequestCounts()
        }
    }

    private func process(_ record: BatchRecord) async throws {
        let id = record.id
        let signal = await store.stopSignal(for: id)
        let progress = ProcessingProgress()
        let windowEnd = TimeInterval(record.createdAt) + Double(timing.completionWindow.components.seconds)
            + Double(timing.completionWindow.components.attoseconds) / 1e18
        let plan = ProcessingPlan(
            batchID: id, inputPath: store.paths.fileContent(record.inputFileID),
            workDirectory: store.paths.workDirectory(id), endpoint: record.endpoint, model: model,
            requestCount: record.requestCounts.total, pacing: timing.processingDelay,
            deadline: Date(timeIntervalSince1970: windowEnd), signal: signal, progress: progress, slots: slots,
            faults: faults, batchFault: Self.processingFault(faults.batchDraw(seed: model.seed, batchID: id)))
        let summary = try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: ProcessingSummary?.self) { group in
                group.addTask { try await OwnedThread.run(name: "process \(id)") { try LineProcessor.run(plan) } }
                group.addTask {
                    await reportProgress(id, progress)
                    return nil
                }
                var result: ProcessingSummary?
                while let next = try await group.next() {
                    if let next {
                        result = next
                        group.cancelAll()
                    }
                }
                return result!
            }
        } onCancel: {
            signal.shutDown()
        }
        if summary.end != .shutdown { await store.countFaults(summary.injected) }
        switch summary.end {
        case .shutdown:
            throw CancellationError()
        case .expired:
            try await store.updateBatch(id) { r in
                r.requestCounts = summary.counts
                r.usage = summary.usage
                r.droppedLines = summary.dropped
            }
            if let current = await store.batch(id) { try await finish(current, as: .expired) }
        case .finished, .cancelled:
            let now = EmulatorStore.now()
            try await store.updateBatch(id) { r in
                r.requestCounts = summary.counts
                r.usage = summary.usage
                r.droppedLines = summary.dropped
                if r.status == .inProgress {
                    r.status = .finalizing
                    r.finalizingAt = now
                }
            }
        }
    }

    /// The batch fault that changes processing (`expire`, `stuck`), if the batch drew one.
    static func processingFault(_ draw: FaultDraw?) -> FaultKind? {
        guard let kind = draw?.kind, kind == .expire || kind == .stuck else { return nil }
        return kind
    }

    /// Copies the processing thread's counts into the batch a few times a second, so polling clients see progress.
    /// Only when they moved: a batch waiting (`stuck`, or paced slowly) would otherwise rewrite its record file five
    /// times a second for nothing — 2,500 writes a second with 500 such batches.
    private func reportProgress(_ id: String, _ progress: ProcessingProgress) async {
        var reported: (completed: Int, failed: Int)?
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(200))
            if Task.isCancelled { return }
            let (counts, usage) = progress.snapshot
            if let reported, reported == (counts.completed, counts.failed) { continue }
            reported = (counts.completed, counts.failed)
            _ = try? await store.updateBatch(id) { r in
                guard r.status == .inProgress || r.status == .cancelling else { return }
                r.requestCounts.completed = counts.completed
                r.requestCounts.failed = counts.failed
                r.usage = usage
            }
        }
    }

    /// Writes the result files from the batch's buckets and moves it to its terminal status.
    private func finish(_ record: BatchRecord, as outcome: Outcome) async throws {
        try await Task.sleep(for: timing.finalizingDelay)
        let id = record.id
        let paths = store.paths
        let directory = paths.workDirectory(id)
        let outputID = EmulatorStore.newFileID()
        let errorID = EmulatorStore.newFileID()
        let seed = StableHash.of(id + "/shuffle", seed: model.seed)
        let (output, errors) = try await OwnedThread.run(name: "assemble \(id)") {
            let output = try ResultAssembly.assemble(
                directory: directory, kind: "out", destination: paths.fileContent(outputID), seed: seed)
            let errors = try ResultAssembly.assemble(
                directory: directory, kind: "err", destination: paths.fileContent(errorID), seed: seed &+ 1)
            return (output, errors)
        }
        let now = EmulatorStore.now()
        let expiry = now + 30 * 86_400
        if output.lines > 0 {
            let file = FileRecord(
                id: outputID, sequence: await store.takeSequence(), bytes: output.bytes, createdAt: now,
                filename: "batch_\(id)_output.jsonl", purpose: "batch_output", expiresAt: expiry)
            try await store.addFile(file, countsAsUpload: false)
        }
        if errors.lines > 0 {
            let file = FileRecord(
                id: errorID, sequence: await store.takeSequence(), bytes: errors.bytes, createdAt: now,
                filename: "batch_\(id)_error.jsonl", purpose: "batch_output", expiresAt: expiry)
            try await store.addFile(file, countsAsUpload: false)
        }
        try await store.updateBatch(id) { r in
            r.outputFileID = output.lines > 0 ? outputID : nil
            r.errorFileID = errors.lines > 0 ? errorID : nil
            r.requestCounts.completed = output.lines + (r.droppedLines ?? 0)
            r.requestCounts.failed = errors.lines
            if r.status == .cancelling || outcome == .cancelled {
                r.status = .cancelled
                r.cancelledAt = now
            } else if outcome == .expired {
                r.status = .expired
                r.expiredAt = now
            } else {
                r.status = .completed
                r.completedAt = now
            }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
