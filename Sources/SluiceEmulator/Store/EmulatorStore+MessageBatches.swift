import Foundation

/// The result of a delete request for a Message Batch.
enum MessageBatchDeletion: Sendable {
    case deleted
    case notFound
    /// The batch is still `in_progress` or `canceling`.
    case notEnded
}

extension EmulatorStore {
    /// A new `msgbatch_` id: `01` and 22 base62 characters, 24 in all, like `msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d`.
    static func newMessageBatchID() -> String {
        var random = SplitMix64(seed: UInt64.random(in: .min ... .max))
        return "msgbatch_01" + random.base62(22)
    }

    /// Registers a Message Batch whose requests are already at `paths.messageBatchRequests(id)`: persists it
    /// `in_progress`, counts it and its requests in the stats, and wakes the worker.
    func createMessageBatch(id: String, requestCount: Int, window: Duration) throws -> MessageBatchRecord {
        let now = Date().timeIntervalSince1970
        let c = window.components
        let record = MessageBatchRecord(
            id: id, sequence: takeSequence(), status: .inProgress, requestCount: requestCount, createdAt: now,
            expiresAt: now + Double(c.seconds) + Double(c.attoseconds) / 1e18)
        try StatePaths.write(record, to: paths.messageBatchRecord(id))
        messageBatches[id] = record
        stats.anthropicBatchesCreated += 1
        stats.anthropicRequestsReceived += requestCount
        try saveStats()
        notify(.scan)
        return record
    }

    /// The Message Batch with this id, if it exists.
    func messageBatch(_ id: String) -> MessageBatchRecord? { messageBatches[id] }

    /// Applies `change` to a Message Batch and persists it; returns the new record (nil if unknown).
    @discardableResult
    func updateMessageBatch(
        _ id: String, _ change: @Sendable (inout MessageBatchRecord) -> Void
    ) throws -> MessageBatchRecord? {
        guard var record = messageBatches[id] else { return nil }
        change(&record)
        try StatePaths.write(record, to: paths.messageBatchRecord(id))
        messageBatches[id] = record
        return record
    }

    /// Moves an `in_progress` batch to `canceling` and signals its processing to stop; a `canceling` or
    /// `ended` batch is returned unchanged. Nil if unknown.
    func cancelMessageBatch(_ id: String) throws -> MessageBatchRecord? {
        guard let record = messageBatches[id] else { return nil }
        guard record.status == .inProgress else { return record }
        let now = Date().timeIntervalSince1970
        let updated = try updateMessageBatch(id) { r in
            r.status = .canceling
            r.cancelInitiatedAt = now
        }
        messageBatchStopSignal(for: id).cancel()
        notify(.scan)
        return updated
    }

    /// Deletes an ended batch with its requests and results.
    func deleteMessageBatch(_ id: String) -> MessageBatchDeletion {
        guard let record = messageBatches[id] else { return .notFound }
        guard record.status == .ended else { return .notEnded }
        messageBatches[id] = nil
        for path in [paths.messageBatchRecord(id), paths.messageBatchRequests(id), paths.messageBatchResults(id)] {
            try? FileManager.default.removeItem(atPath: path)
        }
        return .deleted
    }

    /// The stop signal of a Message Batch's processing, created on first use (already cancelled if the
    /// batch is `canceling`, e.g. after a restart).
    func messageBatchStopSignal(for id: String) -> StopSignal {
        if let signal = stopSignals[id] { return signal }
        let signal = StopSignal()
        if messageBatches[id]?.status == .canceling { signal.cancel() }
        stopSignals[id] = signal
        return signal
    }

    /// One page of Message Batches, newest first: the `limit` batches just older than `afterID`, or just
    /// newer than `beforeID`, or the newest. `hasMore` says whether more lie beyond the page in that direction.
    /// An unknown cursor gives an empty page.
    func listMessageBatches(afterID: String?, beforeID: String?, limit: Int) -> (
        page: [MessageBatchRecord], hasMore: Bool
    ) {
        let all = messageBatches.values.sorted { $0.sequence > $1.sequence }
        if let beforeID {
            guard let end = all.firstIndex(where: { $0.id == beforeID }) else { return ([], false) }
            let start = max(0, end - limit)
            return (Array(all[start..<end]), start > 0)
        }
        return Self.page(all, id: \.id, after: afterID, limit: limit)
    }

    /// Message Batches not yet ended, oldest first.
    func unfinishedMessageBatchIDs() -> [String] {
        messageBatches.values.filter { $0.status != .ended }.sorted { $0.sequence < $1.sequence }.map(\.id)
    }

    /// Counts one realtime `POST /v1/messages` request.
    func countMessage() throws {
        stats.anthropicMessagesReceived += 1
        try saveStats()
    }
}
