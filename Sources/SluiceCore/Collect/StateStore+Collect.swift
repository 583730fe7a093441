import Foundation
import GRDB

/// A drop waiting in its pipeline's collection, with the requests its chunks hold.
public struct CollectingDrop: Sendable {
    public var drop: DropRecord
    public var requests: Int
}

extension StateStore {
    /// Moves a staged drop into its pipeline's collection.
    func enterCollection(dropID: Int64, now: Date) async throws {
        try await queue.write { db in
            guard var drop = try DropRecord.fetchOne(db, key: dropID), drop.stage == .staged else { return }
            drop.stage = .collecting
            drop.collectingSince = now
            drop.updatedAt = now
            try drop.update(db)
        }
    }

    /// Drops of `pipeline` waiting in its collection that no collection carries yet, oldest first.
    public func collectingDrops(pipeline: String) async throws -> [CollectingDrop] {
        try await queue.read { db in
            let drops = try DropRecord.filter(
                Column("pipeline") == pipeline && Column("stage") == DropStage.collecting.rawValue
                    && Column("collectedBy") == nil
            ).order(Column("id")).fetchAll(db)
            return try drops.map { drop in
                let requests =
                    try Int.fetchOne(
                        db, sql: "SELECT COALESCE(SUM(requests), 0) FROM chunk WHERE dropID = ? AND round = 1",
                        arguments: [drop.id!]) ?? 0
                return CollectingDrop(drop: drop, requests: requests)
            }
        }
    }

    /// Drops waiting for a collection to carry them (a carried drop is its collection's job's business).
    public func uncollectedCount() async throws -> Int {
        try await queue.read { db in
            try DropRecord.filter(Column("stage") == DropStage.collecting.rawValue && Column("collectedBy") == nil)
                .fetchCount(db)
        }
    }

    /// Records a collection drop carrying `members` (all still waiting), atomically; nil when one of them
    /// was taken meanwhile (nothing is recorded then).
    public func createCollection(pipeline: String, members: [Int64], specText: String?, specSHA256: String, now: Date)
        async throws -> Int64?
    {
        try await queue.write { db in
            let waiting = try DropRecord.filter(
                members.contains(Column("id")) && Column("stage") == DropStage.collecting.rawValue
                    && Column("collectedBy") == nil
            ).fetchCount(db)
            guard waiting == members.count, !members.isEmpty else { return nil }
            let key = DropRecord.newKey()
            var carrier = DropRecord(
                key: key, origin: .collection, pipeline: pipeline, sourceName: "collection of \(members.count) files",
                sourcePath: "", sha256: "collection-" + key, bytes: 0, specSHA256: specSHA256, specText: specText,
                receivedAt: now)
            try carrier.insert(db)
            try db.execute(
                sql: #"UPDATE "drop" SET collectedBy = ?, updatedAt = ? WHERE id IN ("#
                    + members.map { _ in "?" }.joined(separator: ",") + ")",
                arguments: StatementArguments([carrier.id!, StoredDate.value(now)] as [any DatabaseValueConvertible])
                    + StatementArguments(members))
            try db.execute(sql: "DELETE FROM collect_flush WHERE pipeline = ?", arguments: [pipeline])
            return carrier.id
        }
    }

    /// The drops a collection carries, by id.
    public func collectionMembers(_ carrierID: Int64) async throws -> [DropRecord] {
        try await queue.read { db in
            try DropRecord.filter(Column("collectedBy") == carrierID).order(Column("id")).fetchAll(db)
        }
    }

    /// Records a collection's chunks and which member chunk each carries, and moves it to `staged`, atomically.
    func recordCollectionStaged(carrierID: Int64, lines: Int, chunks: [ChunkRecord], carried: [(chunkID: Int64, seq: Int)])
        async throws
    {
        try await queue.write { db in
            try ChunkRecord.filter(Column("dropID") == carrierID).deleteAll(db)
            var idBySeq: [Int: Int64] = [:]
            for var chunk in chunks {
                try chunk.insert(db)
                idBySeq[chunk.seq] = chunk.id
            }
            for (chunkID, seq) in carried {
                try db.execute(sql: "UPDATE chunk SET carrierChunk = ? WHERE id = ?", arguments: [idBySeq[seq], chunkID])
            }
            if var drop = try DropRecord.fetchOne(db, key: carrierID) {
                drop.stage = .staged
                drop.rowsIn = lines
                drop.updatedAt = Date()
                try drop.update(db)
            }
        }
    }

    /// Member chunks carried by the collection chunk `carrierChunkID`.
    func carriedChunks(_ carrierChunkID: Int64) async throws -> [ChunkRecord] {
        try await queue.read { db in
            try ChunkRecord.filter(Column("carrierChunk") == carrierChunkID).order(Column("dropID"), Column("seq"))
                .fetchAll(db)
        }
    }

    /// Records that a member chunk's requests went in the shared batch `snapshot` and their results are joined.
    /// Repeatable: a distribution redone after a crash updates the same row.
    func recordCarriedBatch(chunk: ChunkRecord, provider: String, snapshot: BatchSnapshot, now: Date) async throws {
        try await queue.write { db in
            var batch =
                try BatchRecord.filter(Column("chunkID") == chunk.id!).order(Column("id").desc).fetchOne(db)
                ?? BatchRecord(
                    id: nil, chunkID: chunk.id!, provider: provider, providerBatchID: nil, inputFileID: nil,
                    state: .downloaded, providerStatus: nil, total: 0, succeeded: 0, failed: 0, resultPaths: nil,
                    resultFileIDs: nil, lastError: nil, createdAt: now, updatedAt: now)
            batch.providerBatchID = snapshot.id
            batch.state = .downloaded
            batch.providerStatus = snapshot.providerStatus
            batch.total = chunk.requests
            batch.updatedAt = now
            try batch.save(db)
        }
    }

    /// Hands the collection's members back to their own jobs (every batch of theirs is joined), atomically.
    func releaseMembers(of carrierID: Int64, now: Date) async throws {
        try await queue.write { db in
            for var drop in try DropRecord.filter(
                Column("collectedBy") == carrierID && Column("stage") == DropStage.collecting.rawValue
            ).fetchAll(db) {
                drop.stage = .submitted
                if drop.submittedAt == nil { drop.submittedAt = now }
                drop.updatedAt = now
                try drop.update(db)
            }
        }
    }

    /// Asks the daemon to submit what `pipeline` (every pipeline when nil) has collected now; returns how
    /// many files are waiting there.
    public func requestFlush(pipeline: String?, now: Date = Date()) async throws -> Int {
        try await queue.write { db in
            var query = DropRecord.filter(Column("stage") == DropStage.collecting.rawValue && Column("collectedBy") == nil)
            if let pipeline { query = query.filter(Column("pipeline") == pipeline) }
            let waiting = try query.fetchAll(db)
            for name in Set(waiting.map(\.pipeline)) {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO collect_flush (pipeline, requestedAt) VALUES (?, ?)", arguments: [name, StoredDate.value(now)])
            }
            return waiting.count
        }
    }

    /// Whether a flush of `pipeline` was asked for.
    func flushRequested(pipeline: String) async throws -> Bool {
        try await queue.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM collect_flush WHERE pipeline = ?", arguments: [pipeline]) ?? 0 > 0
        }
    }
}
