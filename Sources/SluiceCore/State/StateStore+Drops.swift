import Foundation
import GRDB

/// Where a drop is in its life. Each transition is one transaction, and every side effect before it is
/// idempotent, so a restart resumes from the recorded stage by doing that stage's work again.
public enum DropStage: String, Sendable, Codable, CaseIterable {
    /// The source is ours (moved out of the inbox, or named by `sluice process`) and hashed.
    case claimed
    /// Chunks are on disk and recorded; none submitted yet.
    case staged
    /// Staged, and held before anything is sent: its estimate is over `budget.max_usd`, or would take the
    /// pipeline's spending today over `budget.daily_usd`. It goes back to `staged` when approved (`sluice
    /// approve`, a `NAME.approve` file) or, for a daily hold, on a UTC day whose budget it fits.
    case awaitingApproval = "awaiting-approval"
    /// At least one chunk's intent is recorded; some batches may exist at the provider.
    case submitting
    /// Staged, and waiting with other small files of its pipeline for a shared batch (`batch.collect`).
    case collecting
    /// Every chunk has a batch at the provider.
    case submitted
    /// Every batch ended and its results are joined to rows in outcome files.
    case downloaded
    /// Outputs and manifest are in the outbox.
    case written
    /// Source and results archived, work files and provider-side files removed.
    case archived
    /// The file could not be processed; its manifest says why.
    case rejected

    /// Stages after which the drop needs no more work (a rejected drop still needs archiving).
    public var isFinal: Bool { self == .archived }
}

/// How a drop reached Sluice.
public enum DropOrigin: String, Sendable, Codable {
    /// Claimed from `inbox/<pipeline>/` by the daemon: the source is moved into `.sluice/`.
    case inbox
    /// Named by `sluice process`: the source stays where the user keeps it.
    case process
    /// A shared batch carrying the chunks of several collected drops (`batch.collect`); it has no source
    /// and writes no outputs: each file it carries gets its own.
    case collection
}

/// A row of the `drop` table.
public struct DropRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        StoredDate.encoding
    }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        StoredDate.decoding
    }
    public static let databaseTableName = "drop"
    public var id: Int64?
    /// Random token naming this drop at the provider (chunk tags, upload names), unique even if the
    /// database is lost and ids repeat.
    public var key: String
    public var origin: DropOrigin
    public var pipeline: String
    /// The file's name as dropped.
    public var sourceName: String
    /// Where the source is now (claimed, archived, or the user's path).
    public var sourcePath: String
    public var sha256: String
    public var bytes: Int64
    public var stage: DropStage
    public var specSHA256: String
    /// The spec as it was when the drop was claimed: a resumed drop finishes with the spec it began with.
    public var specText: String?
    /// The earlier drop of the same content and spec whose results this one reuses.
    public var sameAs: Int64?
    public var rowsIn: Int?
    public var succeeded: Int?
    public var failed: Int?
    public var reason: String?
    /// Folder holding `staging-failures.jsonl` and `outcomes-N.jsonl`: the work folder, then the archive.
    public var resultsDir: String?
    public var manifestPath: String?
    public var receivedAt: Date
    public var submittedAt: Date?
    public var completedAt: Date?
    public var writtenAt: Date?
    public var archivedAt: Date?
    public var updatedAt: Date?
    /// Why the finished file is flagged (its failure rate crossed `alerts.max_failure_rate`), if it is.
    public var alert: String?
    /// When the drop began waiting in its pipeline's collection, and the collection drop that carries it.
    public var collectingSince: Date? = nil
    public var collectedBy: Int64? = nil
    /// The chained file (`then:`) in the next pipeline's inbox, set with stage `written` when rows go on; its
    /// rows; and when it was renamed into place (nil while it still waits under its hidden temporary name).
    public var chainPath: String? = nil
    public var chainRows: Int? = nil
    public var chainedAt: Date? = nil

    public init(
        key: String, origin: DropOrigin, pipeline: String, sourceName: String, sourcePath: String, sha256: String,
        bytes: Int64, specSHA256: String, specText: String?, receivedAt: Date
    ) {
        self.key = key
        self.origin = origin
        self.pipeline = pipeline
        self.sourceName = sourceName
        self.sourcePath = sourcePath
        self.sha256 = sha256
        self.bytes = bytes
        self.stage = .claimed
        self.specSHA256 = specSHA256
        self.specText = specText
        self.receivedAt = receivedAt
        self.updatedAt = receivedAt
    }

    /// True when the drop needs no more work.
    public var isDone: Bool { stage == .archived || (stage == .rejected && archivedAt != nil) }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// A new random drop key: 12 hex digits.
    public static func newKey() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(format: "%012llx", generator.next() & 0xFFFF_FFFF_FFFF)
    }
}

/// A row of the `chunk` table.
public struct ChunkRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        StoredDate.encoding
    }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        StoredDate.decoding
    }
    public static let databaseTableName = "chunk"
    public var id: Int64?
    public var dropID: Int64
    public var seq: Int
    public var path: String
    public var requests: Int
    public var bytes: Int
    public var firstRow: Int
    public var lastRow: Int
    /// The attempt its requests are: 1 for staged chunks, 2 and up for retry rounds (their custom_ids end
    /// in `-<round>`). A retry chunk holds only some of the rows between `firstRow` and `lastRow`.
    public var round: Int
    /// The collection's chunk whose batch carries this chunk's requests (a collected drop's round 1).
    public var carrierChunk: Int64? = nil
    /// Estimated input tokens of its requests, counted as staging rendered them (`StagedChunk.inputTokens`);
    /// nil when not counted then.
    public var inputTokens: Double? = nil

    public init(
        dropID: Int64, seq: Int, path: String, requests: Int, bytes: Int, firstRow: Int, lastRow: Int, round: Int = 1
    ) {
        self.round = round
        self.dropID = dropID
        self.seq = seq
        self.path = path
        self.requests = requests
        self.bytes = bytes
        self.firstRow = firstRow
        self.lastRow = lastRow
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The tag put in the batch's metadata (`sluice_chunk`), found again by listing batches after a crash.
    public static func tag(dropKey: String, seq: Int) -> String { "\(dropKey)-\(seq)" }
    /// The name the chunk is uploaded under, found again by listing files after a crash.
    public static func uploadName(dropKey: String, seq: Int) -> String { "sluice-\(dropKey)-\(seq).jsonl" }
    /// The outcome file of chunk `seq` inside a drop's results folder.
    public static func outcomesName(seq: Int) -> String { "outcomes-\(seq).jsonl" }
}

/// Where one chunk's batch is.
public enum BatchStage: String, Sendable, Codable {
    /// The intent is recorded; an upload and a batch may or may not exist at the provider.
    case submitting
    /// The provider accepted the batch; `providerBatchID` is set.
    case submitted
    /// The batch ended and its results are joined into the chunk's outcome file.
    case downloaded
}

/// A row of the `batch` table.
public struct BatchRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        StoredDate.encoding
    }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        StoredDate.decoding
    }
    public static let databaseTableName = "batch"
    public var id: Int64?
    public var chunkID: Int64
    public var provider: String
    // The intent is written before the provider is called; providerBatchID right after it answers.
    public var providerBatchID: String?
    public var inputFileID: String?
    public var state: BatchStage
    /// The provider's own status word, for status and manifests.
    public var providerStatus: String?
    public var total: Int
    public var succeeded: Int
    public var failed: Int
    public var resultPaths: String?
    /// Provider file ids of the results (output and error files), deleted after archiving.
    public var resultFileIDs: String?
    /// The last provider error met while submitting or polling, for `sluice status`.
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A chunk with its batch, if one was ever intended.
public struct ChunkProgress: Sendable {
    public var chunk: ChunkRecord
    public var batch: BatchRecord?
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

    /// The drop with `id`.
    public func drop(id: Int64) async throws -> DropRecord? {
        try await queue.read { db in try DropRecord.fetchOne(db, key: id) }
    }

    /// Changes a drop in one transaction.
    public func updateDrop(id: Int64, _ change: @escaping @Sendable (inout DropRecord) -> Void) async throws {
        try await queue.write { db in
            guard var drop = try DropRecord.fetchOne(db, key: id) else { return }
            change(&drop)
            drop.updatedAt = Date()
            try drop.update(db)
        }
    }

    /// Replaces a drop's chunks (a restaged drop starts over) and moves it to `staged`, atomically.
    public func recordStaged(dropID: Int64, rowsIn: Int, chunks: [ChunkRecord]) async throws -> [ChunkRecord] {
        try await queue.write { db in
            try ChunkRecord.filter(Column("dropID") == dropID).deleteAll(db)
            var saved: [ChunkRecord] = []
            for var chunk in chunks {
                try chunk.insert(db)
                saved.append(chunk)
            }
            if var drop = try DropRecord.fetchOne(db, key: dropID) {
                drop.stage = .staged
                drop.rowsIn = rowsIn
                drop.updatedAt = Date()
                try drop.update(db)
            }
            return saved
        }
    }

    /// Adds a retry round's chunks and moves the drop back to `staged`, atomically: a crash before this leaves
    /// the round unplanned (planning it again rewrites the same files), after it the round is submitted.
    public func recordRetryRound(dropID: Int64, chunks: [ChunkRecord]) async throws {
        try await queue.write { db in
            for var chunk in chunks { try chunk.insert(db) }
            if var drop = try DropRecord.fetchOne(db, key: dropID) {
                drop.stage = .staged
                drop.updatedAt = Date()
                try drop.update(db)
            }
        }
    }

    /// A drop's chunks in order, each with its batch (the latest, if several were ever intended).
    public func progress(dropID: Int64) async throws -> [ChunkProgress] {
        try await queue.read { db in
            let chunks = try ChunkRecord.filter(Column("dropID") == dropID).order(Column("seq")).fetchAll(db)
            return try chunks.map { chunk in
                let batch = try BatchRecord.filter(Column("chunkID") == chunk.id!).order(Column("id").desc)
                    .fetchOne(db)
                return ChunkProgress(chunk: chunk, batch: batch)
            }
        }
    }

    /// Writes the intent to submit a chunk before any provider call, moving the drop to `submitting`.
    public func recordIntent(chunkID: Int64, dropID: Int64, provider: String, now: Date) async throws -> BatchRecord {
        try await queue.write { db in
            var batch = BatchRecord(
                id: nil, chunkID: chunkID, provider: provider, providerBatchID: nil, inputFileID: nil,
                state: .submitting, providerStatus: nil, total: 0, succeeded: 0, failed: 0, resultPaths: nil,
                resultFileIDs: nil, lastError: nil, createdAt: now, updatedAt: now)
            try batch.insert(db)
            if var drop = try DropRecord.fetchOne(db, key: dropID), drop.stage == .staged {
                drop.stage = .submitting
                drop.updatedAt = now
                try drop.update(db)
            }
            return batch
        }
    }

    /// Saves a batch row as it is now.
    public func saveBatch(_ batch: BatchRecord) async throws {
        var batch = batch
        batch.updatedAt = Date()
        let row = batch
        try await queue.write { db in try row.update(db) }
    }

    /// Provider batch ids recorded for intents made at or after `since` (reconciliation must not adopt them).
    public func providerBatchIDs(since: Date) async throws -> Set<String> {
        try await queue.read { db in
            Set(try String.fetchAll(
                db, sql: "SELECT providerBatchID FROM batch WHERE providerBatchID IS NOT NULL AND createdAt >= ?",
                arguments: [StoredDate.value(since)]))
        }
    }

    /// Drops that still need work, oldest first.
    public func unfinishedDrops() async throws -> [DropRecord] {
        try await queue.read { db in
            try DropRecord.filter(
                Column("stage") != DropStage.archived.rawValue
                    && !(Column("stage") == DropStage.rejected.rawValue && Column("archivedAt") != nil)
            ).order(Column("id")).fetchAll(db)
        }
    }

    /// An earlier drop of the same content through the same spec, newest first: finished with its results
    /// still kept (`archived`), or still in flight. Rejected drops do not count.
    public func twin(of drop: DropRecord) async throws -> DropRecord? {
        try await queue.read { db in
            // Only older drops: a drop waits on its twin, so waits always point back in time and three copies
            // claimed together cannot wait on each other in a circle.
            try DropRecord.filter(
                Column("pipeline") == drop.pipeline && Column("sha256") == drop.sha256
                    && Column("specSHA256") == drop.specSHA256 && Column("id") < drop.id!
                    && Column("sameAs") == nil && Column("stage") != DropStage.rejected.rawValue
                    && (Column("stage") != DropStage.archived.rawValue || Column("resultsDir") != nil)
            ).order(Column("id").desc).fetchOne(db)
        }
    }

    /// The unfinished `sluice process` drop of this content and spec, to resume rather than start again.
    public func unfinishedProcessDrop(pipeline: String, sha256: String, specSHA256: String) async throws -> DropRecord? {
        try await queue.read { db in
            try DropRecord.filter(
                Column("pipeline") == pipeline && Column("sha256") == sha256 && Column("specSHA256") == specSHA256
                    && Column("origin") == DropOrigin.process.rawValue
                    && Column("stage") != DropStage.archived.rawValue && Column("stage") != DropStage.rejected.rawValue
            ).order(Column("id").desc).fetchOne(db)
        }
    }

    /// Every source path a drop points at (to find claimed files whose drop row was never written).
    public func sourcePaths() async throws -> Set<String> {
        try await queue.read { db in
            Set(try String.fetchAll(db, sql: #"SELECT sourcePath FROM "drop""#))
        }
    }

    /// Drops in flight plus those finished at or after `since`, newest first, at most `limit`.
    public func drops(finishedSince since: Date, limit: Int = 200) async throws -> [DropRecord] {
        try await queue.read { db in
            // The ids from the covering index drop_window (v13-perf-status), then only their rows.
            try DropRecord.fetchAll(
                db,
                sql: """
                    SELECT * FROM "drop" WHERE id IN (
                        SELECT id FROM "drop" WHERE (stage != ? AND stage != ?) OR updatedAt >= ?
                        ORDER BY id DESC LIMIT ?)
                    ORDER BY id DESC
                    """,
                arguments: [DropStage.archived.rawValue, DropStage.rejected.rawValue, StoredDate.value(since), limit])
        }
    }

    /// All drops, newest first.
    public func drops(limit: Int = 100) async throws -> [DropRecord] {
        try await queue.read { db in
            try DropRecord.order(Column("id").desc).limit(limit).fetchAll(db)
        }
    }

    /// Drops archived before `date` whose archive has not been removed yet (removal blanks `sourcePath`).
    public func archives(before date: Date) async throws -> [DropRecord] {
        try await queue.read { db in
            try DropRecord.filter(Column("archivedAt") != nil && Column("archivedAt") < StoredDate.value(date) && Column("sourcePath") != "")
                .fetchAll(db)
        }
    }
}
