import Foundation

/// The result of a cancel request.
enum CancelOutcome: Sendable {
    case accepted(BatchRecord)
    case notFound
    case conflict(BatchStatus)
}

extension EmulatorStore {
    /// Creates a batch in `validating` and wakes the worker.
    func createBatch(
        endpoint: String, inputFileID: String, metadata: [MetadataPair]?, window: Duration
    ) throws -> BatchRecord {
        var random = SplitMix64(seed: UInt64.random(in: .min ... .max))
        let now = Self.now()
        let record = BatchRecord(
            id: "batch_" + random.hex(32), sequence: takeSequence(), endpoint: endpoint, model: nil, errors: nil,
            inputFileID: inputFileID, completionWindow: "24h", status: .validating, createdAt: now,
            expiresAt: now + Int(window.components.seconds), metadata: metadata)
        try StatePaths.write(record, to: paths.batchRecord(record.id))
        batches[record.id] = record
        stats.batchesCreated += 1
        for pair in metadata ?? [] { stats.byMetadata["\(pair.key)=\(pair.value)", default: .init()].batches += 1 }
        try saveStats()
        notify(.scan)
        return record
    }

    /// The batch with this id, if it exists.
    func batch(_ id: String) -> BatchRecord? { batches[id] }

    /// Applies `change` to a batch and persists it; returns the new record (nil if unknown).
    @discardableResult
    func updateBatch(_ id: String, _ change: @Sendable (inout BatchRecord) -> Void) throws -> BatchRecord? {
        guard var record = batches[id] else { return nil }
        change(&record)
        try StatePaths.write(record, to: paths.batchRecord(id))
        batches[id] = record
        return record
    }

    /// Moves a running batch to `cancelling` and signals its processing to stop.
    ///
    /// Terminal batches answer 409, except `cancelled` (and `cancelling`), which are returned unchanged
    /// like the real API does.
    func cancelBatch(_ id: String) throws -> CancelOutcome {
        guard let record = batches[id] else { return .notFound }
        switch record.status {
        case .cancelling, .cancelled:
            return .accepted(record)
        case .completed, .failed, .expired:
            return .conflict(record.status)
        case .validating, .inProgress, .finalizing:
            let now = Self.now()
            let updated = try updateBatch(id) { r in
                r.status = .cancelling
                r.cancellingAt = now
            }
            stopSignal(for: id).cancel()
            notify(.scan)
            return .accepted(updated!)
        }
    }

    /// The stop signal of a batch's processing, created on first use (already cancelled if the batch is).
    func stopSignal(for id: String) -> StopSignal {
        if let signal = stopSignals[id] { return signal }
        let signal = StopSignal()
        if batches[id]?.status == .cancelling { signal.cancel() }
        stopSignals[id] = signal
        return signal
    }

    /// Forgets the stop signal of a batch that reached a terminal status.
    func dropStopSignal(for id: String) {
        stopSignals[id] = nil
    }

    /// One page of batches, newest first.
    func listBatches(after: String?, limit: Int) -> (page: [BatchRecord], hasMore: Bool) {
        let all = batches.values.sorted { $0.sequence > $1.sequence }
        return Self.page(all, id: \.id, after: after, limit: limit)
    }

    /// Batches not yet in a terminal status, oldest first.
    func unfinishedBatchIDs() -> [String] {
        batches.values.filter { !$0.status.isTerminal }.sorted { $0.sequence < $1.sequence }.map(\.id)
    }

    /// Records the custom_ids of a batch that passed validation, once per batch.
    func recordCustomIDs(batchID: String, keys: [UInt64]) throws {
        guard let record = batches[batchID], record.customIDsRecorded != true else { return }
        try recordCustomIDs(keys)
        try updateBatch(batchID) { $0.customIDsRecorded = true }
    }

    /// Counts the request lines of a validated input file into the stats (per metadata pair too), once per batch.
    func recordRequests(batchID: String, count: Int) throws {
        guard batches[batchID]?.requestsRecorded != true else { return }
        try updateBatch(batchID) { $0.requestsRecorded = true }
        stats.requestsReceived += count
        for pair in batches[batchID]?.metadata ?? [] {
            stats.byMetadata["\(pair.key)=\(pair.value)", default: .init()].requests += count
        }
        try saveStats()
    }
}
