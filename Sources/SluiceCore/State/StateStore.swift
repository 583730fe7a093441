import Foundation
import GRDB

/// The durable record of every drop, its chunks and their batches: one SQLite database under `.sluice/`.
///
/// WAL with `synchronous = FULL` (GRDB's WAL setup leaves NORMAL, which can lose the last commit on power
/// loss) and a busy timeout, because the CLI and the daemon share the file. GRDB runs every access on its
/// own serial queue, off Swift's cooperative pool.
public final class StateStore: Sendable {
    let queue: DatabaseQueue

    /// The folder holding the database file (where temporary files that belong with it go).
    var directory: String {
        let folder = (queue.path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    /// Opens (creating and migrating) the database at `path`.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(5)
        // GRDB 7 opens write transactions IMMEDIATE itself: a writer takes the lock when it begins, so the
        // daemon and a CLI command never deadlock upgrading a read transaction to a write one.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        queue = try DatabaseQueue(path: path, configuration: configuration)
        // The daemon and a CLI command may open a new database at the same moment: GRDB's migrator reads what is
        // applied before it takes SQLite's write lock, so both would run v1. An flock orders them.
        let lock = open(path + ".migrate-lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if lock >= 0 { flock(lock, LOCK_EX) }
        defer { if lock >= 0 { close(lock) } }
        try Self.migrator.migrate(queue)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "drop") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("pipeline", .text).notNull()
                t.column("sourceName", .text).notNull()
                t.column("sourcePath", .text).notNull()
                t.column("sha256", .text).notNull()
                t.column("bytes", .integer).notNull()
                t.column("stage", .text).notNull()
                t.column("specSHA256", .text).notNull()
                t.column("rowsIn", .integer)
                t.column("reason", .text)
                t.column("receivedAt", .datetime).notNull()
                t.column("submittedAt", .datetime)
                t.column("completedAt", .datetime)
                t.column("writtenAt", .datetime)
            }
            try db.create(index: "drop_sha", on: "drop", columns: ["pipeline", "sha256"])
            try db.create(table: "chunk") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("dropID", .integer).notNull().references("drop", onDelete: .cascade)
                t.column("seq", .integer).notNull()
                t.column("path", .text).notNull()
                t.column("requests", .integer).notNull()
                t.column("bytes", .integer).notNull()
                t.column("firstRow", .integer).notNull()
                t.column("lastRow", .integer).notNull()
                t.uniqueKey(["dropID", "seq"])
            }
            try db.create(table: "batch") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("chunkID", .integer).notNull().references("chunk", onDelete: .cascade)
                t.column("provider", .text).notNull()
                // The intent is written before the provider is called; providerBatchID right after it answers.
                t.column("providerBatchID", .text)
                t.column("inputFileID", .text)
                t.column("state", .text).notNull()
                t.column("providerStatus", .text)
                t.column("total", .integer).notNull().defaults(to: 0)
                t.column("succeeded", .integer).notNull().defaults(to: 0)
                t.column("failed", .integer).notNull().defaults(to: 0)
                t.column("resultPaths", .text)
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
            }
        }
        // The daemon: resumable stages, claimed sources, twins (same content dropped again), archives.
        migrator.registerMigration("v2") { db in
            try db.alter(table: "drop") { t in
                t.add(column: "key", .text).notNull().defaults(to: "")
                t.add(column: "origin", .text).notNull().defaults(to: "process")
                t.add(column: "specText", .text)
                t.add(column: "sameAs", .integer)
                t.add(column: "succeeded", .integer)
                t.add(column: "failed", .integer)
                t.add(column: "resultsDir", .text)
                t.add(column: "manifestPath", .text)
                t.add(column: "archivedAt", .datetime)
                t.add(column: "updatedAt", .datetime)
            }
            try db.create(index: "drop_stage", on: "drop", columns: ["stage"])
            try db.alter(table: "batch") { t in
                t.add(column: "resultFileIDs", .text)
                t.add(column: "lastError", .text)
            }
            try db.create(index: "batch_chunk", on: "batch", columns: ["chunkID"])
        }
        migrator.registerMigration("v3") { db in
            // Retry rounds: chunks of attempt 2 and up; a drop's failure-rate alert.
            try db.alter(table: "chunk") { t in
                t.add(column: "round", .integer).notNull().defaults(to: 1)
            }
            try db.alter(table: "drop") { t in
                t.add(column: "alert", .text)
            }
        }
        migrator.registerMigration("v4-cache") { db in
            // Validated answers by request key (SHA-256 of provider identity and request body).
            try db.create(table: "result_cache", options: [.withoutRowID]) { t in
                t.column("key", .blob).notNull().primaryKey()
                t.column("pipeline", .text).notNull()
                t.column("model", .text).notNull()
                t.column("output", .text).notNull()
                t.column("inputTokens", .integer).notNull().defaults(to: 0)
                t.column("outputTokens", .integer).notNull().defaults(to: 0)
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(index: "result_cache_age", on: "result_cache", columns: ["pipeline", "createdAt"])
        }
        migrator.registerMigration("v5-collect") { db in
            // batch.collect: drops waiting for a shared batch, the collection drop carrying them, flush requests.
            try db.alter(table: "drop") { t in
                t.add(column: "collectingSince", .datetime)
                t.add(column: "collectedBy", .integer)
            }
            try db.alter(table: "chunk") { t in
                t.add(column: "carrierChunk", .integer)
            }
            try db.create(table: "collect_flush") { t in
                t.column("pipeline", .text).notNull().primaryKey()
                t.column("requestedAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v6-spend") { db in
            // Budgets: each drop's estimate, hold, approval, reservation and settlement; totals per pipeline per
            // UTC day. A table of its own, so the drop row stays as it was.
            try db.create(table: "dropSpend") { t in
                t.primaryKey("dropID", .integer).references("drop", onDelete: .cascade)
                t.column("pipeline", .text).notNull()
                t.column("estimatedUSD", .double)
                t.column("estimate", .text)
                t.column("hold", .text)
                t.column("holdLimit", .text)
                t.column("holdLimitUSD", .double)
                t.column("approvedAt", .datetime)
                t.column("day", .text)
                t.column("reservedUSD", .double)
                t.column("actualUSD", .double)
                t.column("settledAt", .datetime)
            }
            try db.create(table: "spend") { t in
                t.column("pipeline", .text).notNull()
                t.column("day", .text).notNull()
                t.column("reservedUSD", .double).notNull().defaults(to: 0)
                t.column("actualUSD", .double).notNull().defaults(to: 0)
                t.column("inputTokens", .integer).notNull().defaults(to: 0)
                t.column("outputTokens", .integer).notNull().defaults(to: 0)
                t.column("requests", .integer).notNull().defaults(to: 0)
                t.column("files", .integer).notNull().defaults(to: 0)
                t.column("unpricedFiles", .integer).notNull().defaults(to: 0)
                t.primaryKey(["pipeline", "day"])
            }
        }
        migrator.registerMigration("v7-calibration") { db in
            // Token estimates against real usage per pipeline and model (decayed sums).
            try db.create(table: "calibration") { t in
                t.column("pipeline", .text).notNull()
                t.column("model", .text).notNull()
                t.column("estimatedInput", .double).notNull()
                t.column("actualInput", .double).notNull()
                t.column("actualOutput", .double).notNull()
                t.column("answers", .double).notNull()
                t.column("files", .integer).notNull()
                t.column("updatedAt", .datetime).notNull()
                t.primaryKey(["pipeline", "model"])
            }
        }
        migrator.registerMigration("v8-chain") { db in
            // `then:`: the chained file a written drop owes the next pipeline's inbox (decided, with its rows,
            // before the manifest) and when it was delivered there (renamed into place), so it goes exactly once.
            try db.alter(table: "drop") { t in
                t.add(column: "chainPath", .text)
                t.add(column: "chainRows", .integer)
                t.add(column: "chainedAt", .datetime)
            }
        }
        migrator.registerMigration("v9-notify") { db in try NotificationRecord.createTable(db) }
        migrator.registerMigration("v10-control") { db in
            // `sluice cancel` and `sluice retry`: requests the CLI records for the daemon (or the next run) to act
            // on. Tables of their own, so the drop row stays as it was.
            try db.create(table: "control_cancel") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("dropID", .integer).notNull().references("drop", onDelete: .cascade)
                // NULL: the whole file; else one provider batch of it.
                t.column("providerBatchID", .text)
                t.column("requestedAt", .datetime).notNull()
            }
            try db.create(index: "control_cancel_drop", on: "control_cancel", columns: ["dropID"])
            try db.create(table: "control_retry") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("dropID", .integer).notNull().references("drop", onDelete: .cascade)
                t.column("categories", .text).notNull()
                t.column("requestedAt", .datetime).notNull()
                // Set with the retry round's chunks, in the same transaction.
                t.column("preparedAt", .datetime)
                t.column("rows", .integer)
                t.column("generation", .integer).notNull()
                // The manifest this generation replaces: JSON {generation, written_at, sha256}.
                t.column("previous", .text)
            }
            try db.create(index: "control_retry_drop", on: "control_retry", columns: ["dropID"])
        }
        migrator.registerMigration("v13-perf-status") { db in
            // `sluice status`: the drops of its window, newest first. The window's test reads only these three
            // columns, so scanning this index (small entries, in id order) replaces reading every drop row (spec
            // text included) whenever fewer than `--limit` drops fall in the window: 100 ms with 10,000 drops.
            try db.create(index: "drop_window", on: "drop", columns: ["id", "stage", "updatedAt"])
        }
        migrator.registerMigration("v14-chunk-tokens") { db in
            // The estimated input tokens of a staged chunk, counted while its lines were rendered, so the spend
            // estimate and the token calibration need not read the chunk back (issue 8). NULL: not counted
            // (chunks staged before this version, retry rounds, collections); those are measured from the file.
            try db.alter(table: "chunk") { t in t.add(column: "inputTokens", .double) }
        }
        return migrator
    }
}
