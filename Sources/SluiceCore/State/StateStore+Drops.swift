import Foundation
import GRDB

/// Where a drop is in its life; each transition is one transaction.
public enum DropStage: String, Sendable, Codable {
    case claimed, staged, submitted, downloaded, written, rejected
}

/// A row of the `drop` table.
public struct DropRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "drop"
    public var id: Int64?
    public var pipeline: String
    public var sourceName: String
    public var sourcePath: String
    public var sha256: String
    public var bytes: Int64
    public var stage: DropStage
    public var specSHA256: String
    public var rowsIn: Int?
    public var reason: String?
    public var receivedAt: Date
    public var submittedAt: Date?
    public var completedAt: Date?
    public var writtenAt: Date?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A row of the `chunk` table.
public struct ChunkRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "chunk"
    public var id: Int64?
    public var dropID: Int64
    public var seq: Int
    public var path: String
    public var requests: Int
    public var bytes: Int
    public var firstRow: Int
    public var lastRow: Int

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A row of the `batch` table.
public struct BatchRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "batch"
    public var id: Int64?
    public var chunkID: Int64
    public var provider: String
    public var providerBatchID: String?
    public var inputFileID: String?
    public var state: String
    public var providerStatus: String?
    public var total: Int
    public var succeeded: Int
    public var failed: Int
    public var resultPaths: String?
    public var createdAt: Date
    public var updatedAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension StateStore {
    /// Records a newly claimed drop and returns it with its id.
    public func insertDrop(_ drop: DropRecord) async throws -> DropRecord {
        try await queue.write { db in
            var drop = drop
            try drop.insert(db)
            return drop
        }
    }

    /// Moves a drop to `stage`, setting the given fields in the same transaction.
    public func updateDrop(id: Int64, _ change: @escaping @Sendable (inout DropRecord) -> Void) async throws {
        try await queue.write { db in
            guard var drop = try DropRecord.fetchOne(db, key: id) else { return }
            change(&drop)
            try drop.update(db)
        }
    }

    /// Records all chunks of a staged drop and moves it to `staged`, atomically.
    public func recordStaged(dropID: Int64, rowsIn: Int, chunks: [ChunkRecord]) async throws -> [ChunkRecord] {
        try await queue.write { db in
            var saved: [ChunkRecord] = []
            for var chunk in chunks {
                try chunk.insert(db)
                saved.append(chunk)
            }
            if var drop = try DropRecord.fetchOne(db, key: dropID) {
                drop.stage = .staged
                drop.rowsIn = rowsIn
                try drop.update(db)
            }
            return saved
        }
    }

    /// Writes the intent to submit a chunk, before any provider call.
    public func recordIntent(chunkID: Int64, provider: String, now: Date) async throws -> BatchRecord {
        try await queue.write { db in
            var batch = BatchRecord(
                id: nil, chunkID: chunkID, provider: provider, providerBatchID: nil, inputFileID: nil,
                state: "submitting", providerStatus: nil, total: 0, succeeded: 0, failed: 0, resultPaths: nil,
                createdAt: now, updatedAt: now)
            try batch.insert(db)
            return batch
        }
    }

    /// Saves a batch row as it is now.
    public func saveBatch(_ batch: BatchRecord) async throws {
        try await queue.write { db in try batch.update(db) }
    }

    /// All drops, newest first.
    public func drops(limit: Int = 100) async throws -> [DropRecord] {
        try await queue.read { db in
            try DropRecord.order(Column("id").desc).limit(limit).fetchAll(db)
        }
    }
}
