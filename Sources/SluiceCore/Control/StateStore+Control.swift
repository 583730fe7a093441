import Foundation
import GRDB
import SluiceJSON

/// What recording a cancel did.
public enum CancelOutcome: Sendable, Equatable {
    /// Recorded; the drop was at this stage (a held or collecting file was moved back to `staged`).
    case recorded(DropStage)
    /// The same cancel was recorded before.
    case alreadyRequested
}

extension StateStore {
    /// Records a cancel of drop `dropID` (the whole file, or its batch `providerBatchID`) in one transaction.
    ///
    /// The drop is judged inside the transaction, so a daemon moving it on meanwhile cannot slip past: a finished
    /// file, one whose results are all in, or one riding a collection's shared batch cannot be cancelled. A file
    /// held for approval or waiting in its collection goes back to `staged`, where its job turns every row into a
    /// cancelled failure without sending anything.
    public func requestCancel(dropID: Int64, providerBatchID: String? = nil, now: Date) async throws -> CancelOutcome {
        try await queue.write { db in
            guard var drop = try DropRecord.fetchOne(db, key: dropID) else {
                throw ControlError(code: "control.no_such_file", message: "drop \(dropID) is not in the state database")
            }
            let name = "\(drop.sourceName) (drop \(dropID), pipeline \(drop.pipeline))"
            switch drop.stage {
            case .archived, .written, .rejected:
                let manifest = drop.manifestPath.map { "; its manifest is \($0)" } ?? ""
                throw ControlError(
                    code: "control.finished", message: "\(name) is finished (stage \(drop.stage.rawValue))\(manifest)")
            case .downloaded:
                throw ControlError(
                    code: "control.finished",
                    message: "\(name) has all its results in and is being written: too late to cancel")
            case .collecting where drop.collectedBy != nil:
                throw ControlError(
                    code: "control.shared_batch",
                    message: "\(name) rides the shared batch of collection drop \(drop.collectedBy!) with other files; "
                        + "cancel that batch by its id (see `sluice status`)")
            default: break
            }
            if drop.origin == .collection, providerBatchID == nil {
                throw ControlError(
                    code: "control.shared_batch",
                    message: "drop \(dropID) is a collection carrying several files; cancel one of its batches by id")
            }
            let existing = try CancelRequest.filter(Column("dropID") == dropID).fetchAll(db)
            if existing.contains(where: { $0.providerBatchID == nil || $0.providerBatchID == providerBatchID }) {
                return .alreadyRequested
            }
            let stage = drop.stage
            var request = CancelRequest(id: nil, dropID: dropID, providerBatchID: providerBatchID, requestedAt: now)
            try request.insert(db)
            if providerBatchID == nil, stage == .awaitingApproval || stage == .collecting {
                // Out of the hold or the collection: its job cancels it from `staged`.
                drop.stage = .staged
                drop.collectingSince = nil
                drop.updatedAt = now
                try drop.update(db)
            }
            return .recorded(stage)
        }
    }

    /// Records a cancel of the provider batch `providerBatchID`; returns its drop and what was done.
    public func requestCancel(providerBatchID: String, now: Date) async throws -> (DropRecord, CancelOutcome) {
        let found: (BatchRecord, DropRecord)? = try await queue.read { db in
            guard
                let batch = try BatchRecord.filter(Column("providerBatchID") == providerBatchID)
                    .order(Column("id").desc).fetchOne(db),
                let chunk = try ChunkRecord.fetchOne(db, key: batch.chunkID),
                let drop = try DropRecord.fetchOne(db, key: chunk.dropID)
            else { return nil }
            return (batch, drop)
        }
        guard let (batch, drop) = found else {
            throw ControlError(
                code: "control.no_such_batch",
                message: "no batch \(providerBatchID) in the state database (see `sluice status`)")
        }
        if batch.state == .downloaded {
            throw ControlError(
                code: "control.finished",
                message: "batch \(providerBatchID) (drop \(drop.id!), \(drop.sourceName)) has ended: status "
                    + "\(batch.providerStatus ?? "unknown")")
        }
        if drop.origin == .collection {
            throw ControlError(
                code: "control.shared_batch",
                message: "batch \(providerBatchID) is a collection's shared batch carrying several files; "
                    + "Sluice does not cancel it for one of them")
        }
        return (drop, try await requestCancel(dropID: drop.id!, providerBatchID: providerBatchID, now: now))
    }

    /// The cancels recorded for a drop, oldest first. One indexed read: cheap enough to ask every second.
    public func cancelRequests(dropID: Int64) async throws -> [CancelRequest] {
        try await queue.read { db in
            try CancelRequest.filter(Column("dropID") == dropID).order(Column("id")).fetchAll(db)
        }
    }

    /// Records a retry of the archived drop and reopens it (stage `staged`) in one transaction (clearing a cancel
    /// of the file, so a cancelled file can be retried); returns the
    /// manifest generation the retry will write. The manifest it replaces is named by its generation, written_at
    /// and SHA-256 (null when it is no longer in the outbox).
    @discardableResult
    public func requestRetry(drop: DropRecord, categories: [RowFailure.Category], now: Date) async throws -> Int {
        let dropID = drop.id!
        let previousGeneration = try await latestRetry(dropID: dropID)?.generation ?? 1
        let sha = drop.manifestPath.flatMap { try? FileDigest.sha256(path: $0).hex }
        let previous = Manifest.Previous(
            generation: previousGeneration, writtenAt: drop.writtenAt?.formatted(.iso8601), sha256: sha)
        let text = JSONWriter.string(previous.json)
        try await queue.write { db in
            guard var drop = try DropRecord.fetchOne(db, key: dropID) else {
                throw ControlError(code: "control.no_such_file", message: "drop \(dropID) is not in the state database")
            }
            guard drop.stage == .archived else {
                throw ControlError(
                    code: drop.stage == .rejected ? "control.rejected" : "control.not_finished",
                    message: "\(drop.sourceName) (drop \(dropID)) is at stage \(drop.stage.rawValue): only a finished "
                        + "file can be retried")
            }
            var request = RetryRequest(
                id: nil, dropID: dropID, categories: categories.map(\.rawValue).joined(separator: ","),
                requestedAt: now, preparedAt: nil, rows: nil, generation: previousGeneration + 1, previous: text)
            try request.insert(db)
            // A cancel ended the last generation; left in place it would stop this retry's round before it went.
            try CancelRequest.filter(Column("dropID") == dropID).deleteAll(db)
            drop.stage = .staged
            drop.archivedAt = nil
            drop.updatedAt = now
            try drop.update(db)
        }
        return previousGeneration + 1
    }

    /// The retry of a drop still to be planned, if any.
    public func pendingRetry(dropID: Int64) async throws -> RetryRequest? {
        try await queue.read { db in
            try RetryRequest.filter(Column("dropID") == dropID && Column("preparedAt") == nil)
                .order(Column("id").desc).fetchOne(db)
        }
    }

    /// The latest planned retry of a drop: the manifest generation it is writing.
    public func latestRetry(dropID: Int64) async throws -> RetryRequest? {
        try await queue.read { db in
            try RetryRequest.filter(Column("dropID") == dropID && Column("preparedAt") != nil)
                .order(Column("id").desc).fetchOne(db)
        }
    }

    /// Records a retry's round (its chunks, the results folder back in the work folder) and marks the request
    /// planned, atomically: a crash before this plans it again over the same files.
    func recordRetryPlanned(
        request: RetryRequest, chunks: [ChunkRecord], rows: Int, resultsDir: String, now: Date
    ) async throws {
        try await queue.write { db in
            for var chunk in chunks { try chunk.insert(db) }
            var request = request
            request.preparedAt = now
            request.rows = rows
            try request.update(db)
            if var drop = try DropRecord.fetchOne(db, key: request.dropID) {
                // No row to send: straight to writing the new generation.
                drop.stage = chunks.isEmpty ? .downloaded : .staged
                drop.resultsDir = resultsDir
                drop.updatedAt = now
                try drop.update(db)
            }
        }
    }

    /// Daemon drops not yet sending that have a cancel or a retry to act on: their jobs are (re)started, so a
    /// request is acted on even for a drop whose job ended (held, collecting). A drop with batches out has a job
    /// polling them, which notices a cancel itself.
    func controlledDrops() async throws -> [Int64] {
        try await queue.read { db in
            try Int64.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT d.id FROM "drop" d
                    WHERE d.origin != 'process' AND d.stage IN ('claimed', 'staged', 'awaiting-approval', 'collecting')
                      AND (EXISTS (SELECT 1 FROM control_cancel c WHERE c.dropID = d.id AND c.providerBatchID IS NULL)
                           OR EXISTS (SELECT 1 FROM control_retry r WHERE r.dropID = d.id AND r.preparedAt IS NULL))
                    ORDER BY d.id
                    """)
        }
    }

    /// Drops of files named `name` (as dropped), newest first, within `pipeline` when given; collections aside.
    public func drops(named name: String, pipeline: String?) async throws -> [DropRecord] {
        try await queue.read { db in
            var query = DropRecord.filter(
                Column("sourceName") == name && Column("origin") != DropOrigin.collection.rawValue)
            if let pipeline { query = query.filter(Column("pipeline") == pipeline) }
            return try query.order(Column("id").desc).fetchAll(db)
        }
    }
}
