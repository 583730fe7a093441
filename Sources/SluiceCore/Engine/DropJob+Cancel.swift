import Foundation
import Logging

extension DropJob {
    /// How often a sleeping poll loop looks for a `sluice cancel`: one indexed read per drop per slice.
    static let cancelCheck: Duration = .seconds(1)

    /// The cancel of the whole file, if one was recorded.
    func fileCancel() async throws -> CancelRequest? {
        try await store.cancelRequests(dropID: dropID).first { $0.providerBatchID == nil }
    }

    // MARK: a cancelled file before (or between) its batches: every unsent chunk's rows fail as cancelled

    /// For a cancelled file not sending now (staged, held, leaving its collection, between a canary and the rest,
    /// between retry rounds): its chunks without a batch become cancelled rows, intents a crash left are looked up
    /// at the provider first (a batch found there is cancelled by the collect step), and the drop moves on to
    /// collect what was sent. False when there is nothing to cancel.
    func cancelBeforeSending(_ drop: DropRecord) async throws -> Bool {
        guard drop.origin != .collection,
            [.staged, .submitting, .awaitingApproval, .collecting].contains(drop.stage),
            let request = try await fileCancel()
        else { return false }
        for item in try await store.progress(dropID: dropID) {
            switch item.batch?.state {
            case nil:
                try await cancelUnsent(item.chunk, intent: nil, request: request)
            case .submitting:
                var batch = item.batch!
                if let found = try await createdBefore(item.chunk, batch: batch, drop: drop) {
                    batch.providerBatchID = found.id
                    batch.state = .submitted
                    batch.providerStatus = found.snapshot.providerStatus
                    try await store.saveBatch(batch)
                } else {
                    try await cancelUnsent(item.chunk, intent: batch, request: request)
                }
            case .submitted, .downloaded:
                continue
            }
        }
        log.notice("file cancelled by `sluice cancel`: nothing more of it is sent")
        try await store.updateDrop(id: dropID) { $0.stage = .submitted }
        return true
    }

    /// Fails every row of a chunk that was never sent as cancelled, and records its batch as ended.
    func cancelUnsent(_ chunk: ChunkRecord, intent: BatchRecord?, request: CancelRequest) async throws {
        var batch: BatchRecord
        if let intent {
            batch = intent
        } else {
            batch = try await store.recordIntent(
                chunkID: chunk.id!, dropID: dropID, provider: provider.name, now: Date())
        }
        let path = paths.dropWork(dropID) + "/" + ChunkRecord.outcomesName(seq: chunk.seq)
        let failure = CancelledOutcomes.failure(requestedAt: request.requestedAt, batch: nil)
        try await Blocking.run("sluice-cancel") {
            try CancelledOutcomes.writeUnsent(
                path: path, rows: try RetryPlanner.rows(inChunk: chunk.path), failure: failure)
        }
        if let input = batch.inputFileID { await provider.deleteFile(id: input) }
        batch.state = .downloaded
        batch.providerStatus = "cancelled before sending"
        batch.total = chunk.requests
        batch.failed = chunk.requests
        batch.lastError = nil
        try await store.saveBatch(batch)
        log.info(
            "chunk not sent: the file was cancelled", metadata: ["chunk": "\(chunk.seq)", "rows": "\(chunk.requests)"])
    }

    /// The batch an interrupted create may have made for `chunk`, found by its tag (as submitting reconciles).
    private func createdBefore(_ chunk: ChunkRecord, batch: BatchRecord, drop: DropRecord) async throws
        -> SubmittedBatch?
    {
        let since = batch.createdAt.addingTimeInterval(-Self.reconcileSlack)
        return try await provider.findBatch(
            metadataKey: Self.chunkTagKey, value: ChunkRecord.tag(dropKey: drop.key, seq: chunk.seq),
            requests: chunk.requests, createdSince: since, known: try await store.providerBatchIDs(since: since))
    }

    // MARK: batches out: cancelled at the provider, their results collected as usual

    /// Asks the provider to cancel every pending batch a recorded cancel covers and that was not asked yet;
    /// returns the chunks to poll at once. A batch that ended meanwhile (the provider refuses) is simply collected; a
    /// call that failed for a passing reason is made again on the next pass.
    func cancelAtProvider(
        _ pending: [ChunkProgress], requests: [CancelRequest], asked: inout Set<String>
    ) async throws -> Set<Int64> {
        var poll: Set<Int64> = []
        for item in pending {
            guard let id = item.batch?.providerBatchID, !asked.contains(id),
                requests.contains(where: { $0.covers(batch: id) })
            else { continue }
            do {
                let snapshot = try await provider.cancel(batchID: id)
                log.notice(
                    "batch cancelled by `sluice cancel`",
                    metadata: ["batch": "\(id)", "status": "\(snapshot.providerStatus)"])
            } catch let error as ProviderError {
                try Task.checkCancellation()
                if error.retryable {
                    log.warning(
                        "cancelling the batch failed; trying again", metadata: ["batch": "\(id)", "error": "\(error)"])
                    poll.insert(item.chunk.id!)
                    continue
                }
                log.notice(
                    "the provider did not cancel the batch (it has ended?)",
                    metadata: ["batch": "\(id)", "error": "\(error)"])
            }
            asked.insert(id)
            poll.insert(item.chunk.id!)
        }
        return poll
    }

    /// Sleeps `wait` in short slices, returning early when a new cancel for this drop is recorded.
    func sleepWatchingCancels<C: Clock<Duration>>(_ wait: Duration, clock: C, seen: Int) async throws {
        var left = wait
        while left > .zero {
            let slice = min(left, Self.cancelCheck)
            try await clock.sleep(for: slice)
            left -= slice
            if try await store.cancelRequests(dropID: dropID).count != seen { return }
        }
    }

    /// After a chunk's results are joined: when a cancel covers its batch, its unanswered rows become cancelled
    /// failures (before the batch is recorded as downloaded, so a crash repeats this too).
    func applyCancel(chunk: ChunkRecord, batchID: String, outcomes path: String) async throws {
        guard let request = try await store.cancelRequests(dropID: dropID).first(where: { $0.covers(batch: batchID) })
        else { return }
        let failure = CancelledOutcomes.failure(
            requestedAt: request.requestedAt, batch: request.providerBatchID == nil ? nil : batchID)
        let changed = try await Blocking.run("sluice-cancel") {
            try CancelledOutcomes.rewrite(path: path, failure: failure)
        }
        log.info(
            "cancelled rows recorded", metadata: ["chunk": "\(chunk.seq)", "batch": "\(batchID)", "rows": "\(changed)"])
    }

    /// The manifest's `cancelled` entry: who cancelled what, when, and how many rows it left unanswered.
    func cancelledEntry(items: [ChunkProgress], rows: Int) async throws -> Manifest.Cancelled? {
        let requests = try await store.cancelRequests(dropID: dropID)
        guard let first = requests.first else { return nil }
        let file = requests.contains { $0.providerBatchID == nil }
        let named = Set(requests.compactMap(\.providerBatchID))
        let batches = items.compactMap(\.batch).compactMap { batch -> String? in
            guard let id = batch.providerBatchID, file || named.contains(id) else { return nil }
            return id
        }
        return Manifest.Cancelled(
            scope: file ? "file" : "batches", requestedAt: first.requestedAt, batches: batches, rows: rows)
    }
}
