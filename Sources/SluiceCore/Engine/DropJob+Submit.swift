import Foundation
import Logging

extension DropJob {
    /// The metadata key holding a chunk's tag in its batch.
    static let chunkTagKey = "sluice_chunk"
    /// How far before an intent's timestamp reconciliation looks (clock skew between us and the provider).
    static let reconcileSlack: TimeInterval = 600

    // MARK: staged / submitting → submitted

    /// Submits every chunk that has no batch yet; reconciles intents a crash may have left behind.
    func submitAll(_ drop: DropRecord) async throws {
        var items = try await store.progress(dropID: dropID)
        if canaryHolds(items), let first = items.first(where: { $0.chunk.seq == 1 }) {
            if first.batch?.state == .downloaded {
                if let rejection = try await canaryRejection(items) {
                    try await reject(drop, rejection)
                    return
                }
            } else {
                // The canary goes alone; the other chunks wait for its verdict (judged here once it is back).
                items = [first]
            }
        }
        for item in items {
            switch item.batch?.state {
            case nil: try await submit(item.chunk, intent: nil, drop: drop, of: items.count)
            case .submitting: try await submit(item.chunk, intent: item.batch, drop: drop, of: items.count)
            case .submitted, .downloaded: continue
            }
        }
        let now = Date()
        try await store.updateDrop(id: dropID) {
            $0.stage = .submitted
            if $0.submittedAt == nil { $0.submittedAt = now }
        }
    }

    /// Gets one chunk a batch at the provider, exactly once.
    ///
    /// The intent row is written before any call. An intent found at start (a crash interrupted an earlier
    /// run) or a create call that failed ambiguously (it may have reached the provider) is reconciled first:
    /// the provider's recent batches are listed and one tagged with this chunk is adopted instead of
    /// creating another. An uploaded file whose id was recorded is reused; one uploaded but not recorded is
    /// found by its name.
    private func submit(_ chunk: ChunkRecord, intent: BatchRecord?, drop: DropRecord, of count: Int) async throws {
        var batch: BatchRecord
        if let intent {
            batch = intent
        } else {
            batch = try await store.recordIntent(chunkID: chunk.id!, dropID: dropID, provider: provider.name, now: Date())
        }
        let tag = ChunkRecord.tag(dropKey: drop.key, seq: chunk.seq)
        let uploadName = ChunkRecord.uploadName(dropKey: drop.key, seq: chunk.seq)
        let since = batch.createdAt.addingTimeInterval(-Self.reconcileSlack)
        let metadata = [
            "sluice_pipeline": spec.name, "sluice_drop": drop.key, Self.chunkTagKey: tag,
        ]
        var reconcile = intent != nil
        var reusedUpload = false
        var reuploaded = false
        var backoff = Backoff(initial: .seconds(1), max: .seconds(60))
        var log = self.log
        log[metadataKey: "chunk"] = "\(chunk.seq)"
        while true {
            try Task.checkCancellation()
            do {
                if reconcile, let found = try await provider.findBatch(
                    metadataKey: Self.chunkTagKey, value: tag, requests: chunk.requests, createdSince: since,
                    known: try await store.providerBatchIDs(since: since))
                {
                    log.notice("found the batch an interrupted run created; not creating another", metadata: ["batch": "\(found.id)"])
                    try await adopt(found, into: &batch, chunk: chunk, of: count, created: false)
                    return
                }
                if provider.uploadsInput && batch.inputFileID == nil && intent != nil {
                    let uploads = try await provider.findUploads(namePrefix: uploadName, createdSince: since)
                    if let first = uploads.first {
                        batch.inputFileID = first
                        reusedUpload = true
                        for extra in uploads.dropFirst() { await provider.deleteFile(id: extra) }
                        try await store.saveBatch(batch)
                    }
                }
                if provider.uploadsInput && batch.inputFileID == nil {
                    let provider = self.provider
                    let fileID = try await environment.limits.uploads.run {
                        try await provider.upload(chunkPath: chunk.path, name: uploadName)
                    }
                    batch.inputFileID = fileID
                    try await store.saveBatch(batch)
                } else if intent != nil && provider.uploadsInput {
                    reusedUpload = true
                }
                // Checked right before creating: a cancel recorded meanwhile sends nothing more (one after is
                // seen by the collect step, which cancels the batch at the provider).
                if let cancel = try await fileCancel() {
                    try await cancelUnsent(chunk, intent: batch, request: cancel)
                    return
                }
                let created: SubmittedBatch
                if provider.uploadsInput {
                    created = try await provider.createBatch(
                        input: .uploadedFile(id: batch.inputFileID!), endpoint: spec.endpoint,
                        completionWindow: spec.batch.completionWindow, metadata: metadata)
                } else {
                    // Held until the batch is recorded: the next untagged create starts only after that.
                    let pending = batch
                    let provider = self.provider
                    let store = self.store
                    created = try await environment.limits.untaggedCreates.run {
                        let made = try await provider.createBatch(
                            input: .chunkFile(path: chunk.path), endpoint: spec.endpoint,
                            completionWindow: spec.batch.completionWindow, metadata: metadata)
                        var recorded = pending
                        recorded.providerBatchID = made.id
                        recorded.state = .submitted
                        try await store.saveBatch(recorded)
                        return made
                    }
                }
                try await adopt(created, into: &batch, chunk: chunk, of: count, created: true)
                return
            } catch let error as ProviderError where error.retryable {
                try Task.checkCancellation()
                // The call may have reached the provider: look before creating again.
                reconcile = true
                batch.lastError = error.description
                try await store.saveBatch(batch)
                let wait = backoff.next()
                log.warning("submitting failed; trying again", metadata: ["error": "\(error)", "retry_in": "\(wait)"])
                try await environment.clock.sleep(for: wait)
            } catch let error as ProviderError {
                // A call cut short by shutdown is no answer from the provider.
                try Task.checkCancellation()
                if reusedUpload && !reuploaded {
                    // The file from the interrupted run may have expired or been removed: upload afresh once.
                    log.notice("the earlier upload cannot be used; uploading again", metadata: ["error": "\(error)"])
                    batch.inputFileID = nil
                    reuploaded = true
                    reusedUpload = false
                    try await store.saveBatch(batch)
                    continue
                }
                try await refuse(chunk, batch: &batch, error: error)
                return
            }
        }
    }

    /// Records the batch a chunk became; `created` when this run created it (not found after a crash), so its
    /// requests count as sent by this process.
    private func adopt(
        _ submitted: SubmittedBatch, into batch: inout BatchRecord, chunk: ChunkRecord, of count: Int, created: Bool
    ) async throws {
        batch.providerBatchID = submitted.id
        if let input = submitted.inputFileID { batch.inputFileID = input }
        batch.state = .submitted
        batch.providerStatus = submitted.snapshot.providerStatus
        batch.lastError = nil
        try await store.saveBatch(batch)
        if created { SluiceMetrics.sent(chunk.requests, pipeline: spec.name, provider: provider.name) }
        log.event(
            .submitted,
            [
                "chunk": "\(chunk.seq)", "batch": "\(submitted.id)", "requests": "\(chunk.requests)",
                "status": "\(submitted.snapshot.providerStatus)",
            ])
        progress(.submitted(chunk: chunk.seq, of: count, batchID: submitted.id))
    }

    /// The provider refused the chunk for good (e.g. 400): its rows fail with the provider's reason.
    private func refuse(_ chunk: ChunkRecord, batch: inout BatchRecord, error: ProviderError) async throws {
        log.error("the provider refused the chunk", metadata: ["chunk": "\(chunk.seq)", "error": "\(error)"])
        let snapshot = BatchSnapshot(
            id: "(not created)", state: .failed, providerStatus: "refused",
            errors: [BatchLevelError(code: error.code, message: error.description)])
        try await joinResults(chunk: chunk, snapshot: snapshot, files: [])
        if let input = batch.inputFileID { await provider.deleteFile(id: input) }
        batch.state = .downloaded
        batch.providerStatus = "refused"
        batch.lastError = error.description
        batch.total = chunk.requests
        batch.failed = chunk.requests
        try await store.saveBatch(batch)
    }
}
