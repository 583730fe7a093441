import Foundation
import Logging

extension DropJob {
    // MARK: submitted → downloaded

    /// Polls every batch of the drop until it ends, downloading and joining each one's results as it does.
    ///
    /// Each batch has its own schedule (`PollSchedule`), from `batch.poll.initial` growing to `batch.poll.max`, so
    /// many batches in flight cost at most one call each per `poll.max`. A provider that answers errors is retried
    /// with the same backoff and the error is recorded for `sluice status`; it never fails the drop.
    func collect(_ drop: DropRecord) async throws {
        try await collect(drop, clock: environment.clock)
    }

    private func collect<C: Clock<Duration>>(_ drop: DropRecord, clock: C) async throws {
        var pending: [PendingBatch] = []
        for item in try await store.progress(dropID: dropID) where item.batch?.state == .submitted {
            pending.append((item, PollSchedule(initial: spec.batch.pollInitial, max: spec.batch.pollMax), .zero))
        }
        var latest: [Int64: BatchSnapshot] = [:]
        let start = clock.now
        var cancelsAsked: Set<String> = []
        var cancels: [CancelRequest] = []
        while !pending.isEmpty {
            // `sluice cancel`: covered batches are cancelled at the provider and polled at once.
            cancels = try await store.cancelRequests(dropID: dropID)
            if !cancels.isEmpty {
                let now = start.duration(to: clock.now)
                let poll = try await cancelAtProvider(pending.map(\.item), requests: cancels, asked: &cancelsAsked)
                for i in pending.indices where poll.contains(pending[i].item.chunk.id!) { pending[i].due = now }
            }
            let elapsed = start.duration(to: clock.now)
            var ended: [(entry: PendingBatch, snapshot: BatchSnapshot)] = []
            var index = 0
            while index < pending.count {
                guard pending[index].due <= elapsed else {
                    index += 1
                    continue
                }
                var batch = pending[index].item.batch!
                let chunk = pending[index].item.chunk
                do {
                    let snapshot = try await provider.snapshot(batchID: batch.providerBatchID!)
                    latest[chunk.id!] = snapshot
                    if snapshot.state.isTerminal {
                        ended.append((pending[index], snapshot))
                        pending.remove(at: index)
                        continue
                    }
                    try await cancelIfStuck(snapshot, batch: batch)
                    if snapshot.providerStatus != batch.providerStatus || snapshot.succeeded != batch.succeeded
                        || snapshot.failed != batch.failed || batch.lastError != nil
                    {
                        record(snapshot, in: &batch)
                        batch.lastError = nil
                        try await store.saveBatch(batch)
                        pending[index].item.batch = batch
                    }
                } catch let error as ProviderError {
                    try Task.checkCancellation()
                    log.warning("polling failed; trying again", metadata: ["batch": "\(batch.providerBatchID!)", "error": "\(error)"])
                    batch.lastError = error.description
                    try await store.saveBatch(batch)
                    pending[index].item.batch = batch
                }
                // A batch being cancelled ends soon (and a cancel call that failed is tried again on the next pass):
                // poll it often rather than on its grown schedule.
                let next =
                    cancels.contains { $0.covers(batch: batch.providerBatchID) }
                    ? Self.cancelCheck : pending[index].backoff.next()
                pending[index].due = start.duration(to: clock.now) + next
                index += 1
            }
            // A download the provider failed is polled again on the batch's schedule, as before it ended.
            for var entry in try await download(ended) {
                entry.due = start.duration(to: clock.now) + entry.backoff.next()
                pending.append(entry)
            }
            progress(.polled(batches: Array(latest.values)))
            guard let next = pending.map(\.due).min() else { break }
            let wait = next - start.duration(to: clock.now)
            if wait > .zero { try await sleepWatchingCancels(wait, clock: clock, seen: cancels.count) }
        }
        if drop.origin == .collection {
            try await finishCollection()
            return
        }
        let chunks = try await store.progress(dropID: dropID)
        if chunks.contains(where: { $0.batch == nil }) {
            // Chunks held back by the canary: back to submitting, where the canary is judged.
            try await store.updateDrop(id: dropID) { $0.stage = .staged }
            return
        }
        // A cancelled file sends nothing more: its failed rows stay failed.
        if try await fileCancel() == nil, try await planRetryRound(chunks.map(\.chunk)) { return }
        let now = Date()
        try await store.updateDrop(id: dropID) {
            $0.stage = .downloaded
            $0.completedAt = now
        }
    }

    /// Cancels a batch still running `batch.stuck_after` past its submission (a provider that never finishes
    /// it would hold the file for ever): it ends cancelled, its answered rows are kept and the rest retried.
    private func cancelIfStuck(_ snapshot: BatchSnapshot, batch: BatchRecord) async throws {
        let age = Date().timeIntervalSince(batch.createdAt)
        guard !snapshot.state.isTerminal, snapshot.state != .cancelling,
            age > Double(spec.batch.stuckAfter.components.seconds)
        else { return }
        log.warning(
            "batch has not ended in batch.stuck_after; cancelling it so its rows can be retried",
            metadata: ["batch": "\(snapshot.id)", "status": "\(snapshot.providerStatus)", "age_s": "\(Int(age))"])
        _ = try await provider.cancel(batchID: snapshot.id)
    }

    private func record(_ snapshot: BatchSnapshot, in batch: inout BatchRecord) {
        batch.providerStatus = snapshot.providerStatus
        batch.total = snapshot.total
        batch.succeeded = snapshot.succeeded
        batch.failed = snapshot.failed
    }

    /// Downloads and joins the batches a poll found ended, `Self.parallelJoins` at a time: a join (parse, validate,
    /// write the outcome file) is one core's work, so a second one uses the other core (a 1M-row drop's 66
    /// batches ending within seconds of each other were joined one by one for 14 s with a core idle).
    /// Returns the batches whose download the provider failed (recorded for `sluice status`), to be tried again.
    private func download(_ ended: [(entry: PendingBatch, snapshot: BatchSnapshot)]) async throws -> [PendingBatch] {
        try await withThrowingTaskGroup(of: PendingBatch?.self) { group in
            var failed: [PendingBatch] = []
            for (started, (entry, snapshot)) in ended.enumerated() {
                if started >= Self.parallelJoins, case let again?? = try await group.next() { failed.append(again) }
                group.addTask {
                    var batch = entry.item.batch!
                    do {
                        try await download(chunk: entry.item.chunk, batch: &batch, snapshot: snapshot)
                        return nil
                    } catch let error as ProviderError {
                        try Task.checkCancellation()
                        log.warning(
                            "downloading results failed; trying again",
                            metadata: ["batch": "\(snapshot.id)", "error": "\(error)"])
                        batch.lastError = error.description
                        try await store.saveBatch(batch)
                        var again = entry
                        again.item.batch = batch
                        return again
                    }
                }
            }
            for try await again in group { if let again { failed.append(again) } }
            return failed
        }
    }

    /// A batch still being polled: its chunk and batch record, its poll schedule, and when it is due (since the
    /// collection started).
    typealias PendingBatch = (item: ChunkProgress, backoff: PollSchedule, due: Duration)

    /// How many ended batches of one file are joined at once. Two, for two cores; the downloads themselves are
    /// also bounded across files (`max_downloads`). Each join holds a few MB (buffers of the reader and writer).
    public static let parallelJoins = 2

    /// Downloads a finished batch's result files and joins them to the chunk's rows; the input file is
    /// deleted before the batch is recorded as downloaded (a crash in between only repeats the download).
    private func download(chunk: ChunkRecord, batch: inout BatchRecord, snapshot: BatchSnapshot) async throws {
        let directory = paths.dropWork(dropID) + "/batch-\(chunk.seq)"
        try SluicePaths.ensureDirectory(directory)
        let provider = self.provider
        let files = try await environment.limits.downloads.run {
            try await provider.downloadResults(of: snapshot, into: directory)
        }
        try await joinResults(chunk: chunk, snapshot: snapshot, files: files)
        if let input = batch.inputFileID { await provider.deleteFile(id: input) }
        record(snapshot, in: &batch)
        batch.state = .downloaded
        batch.resultPaths = files.joined(separator: "\n")
        batch.resultFileIDs = snapshot.resultFileIDs.joined(separator: "\n")
        batch.lastError = nil
        try await store.saveBatch(batch)
        log.event(
            .completed,
            [
                "chunk": "\(chunk.seq)", "batch": "\(snapshot.id)", "status": "\(snapshot.providerStatus)",
                "succeeded": "\(snapshot.succeeded)", "failed": "\(snapshot.failed)",
            ])
    }

    /// Writes the chunk's outcome file (one line per row of the chunk) into the drop's results folder.
    func joinResults(chunk: ChunkRecord, snapshot: BatchSnapshot, files: [String]) async throws {
        if try await current().origin == .collection {
            try await distribute(chunk: chunk, snapshot: snapshot, files: files)
            return
        }
        let path = paths.dropWork(dropID) + "/" + ChunkRecord.outcomesName(seq: chunk.seq)
        let format = provider.wireFormat
        let interpreter = OutputInterpreter(spec: spec, format: format)
        try await Blocking.run("sluice-results") {
            // A retry chunk holds only some rows of its range: the others must not be reported missing.
            let only = chunk.round > 1 ? try RetryPlanner.rows(inChunk: chunk.path) : nil
            try ResultCollector(interpreter: interpreter, format: format).collect(
                resultFiles: files, snapshot: snapshot, rows: chunk.firstRow...chunk.lastRow, only: only,
                attempt: chunk.round, chunkPath: chunk.path, into: path)
        }
        try await applyCancel(chunk: chunk, batchID: snapshot.id, outcomes: path)
    }
}
