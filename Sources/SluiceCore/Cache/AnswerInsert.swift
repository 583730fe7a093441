import Foundation
import GRDB
import GRDBSQLite

/// Inserts result-cache rows through SQLite's own bind calls, for the thousands an assembly stores at once.
///
/// Why not GRDB's `execute(arguments:)`: per row it builds an array of existential values, copies the key into a
/// `Data` and formats the date again; at 1M answers that cost more CPU than SQLite's insert itself (perf of
/// `sluice bench cache`: the Swift runtime, malloc and GRDB's bindings over half the samples). Here the pipeline,
/// model and date are bound once through GRDB (`sqlite3_reset` keeps bindings), and each row binds only its key,
/// output and token counts, without copies (`SQLITE_STATIC`: the bytes live until the step has run).
struct AnswerInsert {
    private let db: Database
    private let statement: Statement

    /// A statement inserting answers of `pipeline` from `model` stored at `createdAt`; use inside one write.
    init(db: Database, pipeline: String, model: String, createdAt: DatabaseValue) throws {
        self.db = db
        statement = try db.makeStatement(
            sql: """
                INSERT OR REPLACE INTO result_cache (key, pipeline, model, output, inputTokens, outputTokens, createdAt)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
        // Placeholders for the per-row columns; they are bound again for every row.
        try statement.setArguments([Data(), pipeline, model, "", 0, 0, createdAt])
    }

    /// Inserts (or replaces) `entry`'s row.
    func insert(_ entry: AnswerEntry) throws {
        let raw = statement.sqliteStatement
        var output = entry.output
        let (code, message): (Int32, String?) = entry.key.bytes.withUnsafeBytes { key in
            output.withUTF8 { text in
                var code = sqlite3_bind_blob(raw, 1, key.baseAddress, Int32(key.count), nil)
                if code == SQLITE_OK {
                    if let base = text.baseAddress {
                        code = sqlite3_bind_text(raw, 4, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(text.count), nil)
                    } else {
                        // An empty string may have no storage; a NULL pointer would bind NULL, so bind "" copied.
                        code = sqlite3_bind_text(raw, 4, "", 0, Self.transient)
                    }
                }
                if code == SQLITE_OK { code = sqlite3_bind_int64(raw, 5, Int64(entry.inputTokens)) }
                if code == SQLITE_OK { code = sqlite3_bind_int64(raw, 6, Int64(entry.outputTokens)) }
                if code == SQLITE_OK { code = sqlite3_step(raw) }
                // The message before the reset, which may replace it.
                let message = code == SQLITE_DONE ? nil : String(cString: sqlite3_errmsg(db.sqliteConnection))
                sqlite3_reset(raw)
                return (code, message)
            }
        }
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
    }

    /// SQLite copies what is bound with this destructor (`SQLITE_TRANSIENT`, a macro Swift does not import).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
