import Foundation
import GRDB
import SluiceJSON

/// A validated answer kept for reuse.
public struct CachedAnswer: Sendable, Equatable {
    /// The output object as it went into the enriched file, as JSON text.
    public var output: String
    public var createdAt: Date
}

/// Where staging looks up answers before sending a request. Called from staging's own thread, synchronously.
public protocol AnswerLookup: Sendable {
    /// The answer stored for `key` no earlier than `notBefore`; nil when none.
    func answer(for key: RequestKey, notBefore: Date?) throws -> CachedAnswer?
    /// Whether any answer is stored at all (an empty cache costs staging no lookups).
    func hasAnswers() throws -> Bool
}

/// One answer to store: the request's key and the validated output.
public struct AnswerEntry: Sendable {
    public var key: RequestKey
    public var output: String
    public var inputTokens: Int
    public var outputTokens: Int

    public init(key: RequestKey, output: String, inputTokens: Int, outputTokens: Int) {
        self.key = key
        self.output = output
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }
}

/// What `sluice cache stats` reports, per pipeline.
public struct CacheStats: Sendable {
    public struct Pipeline: Sendable {
        public var pipeline: String
        public var entries: Int
        public var bytes: Int
        public var inputTokens: Int
        public var outputTokens: Int
        public var oldest: Date?
        public var newest: Date?
    }

    public var pipelines: [Pipeline]
    public var entries: Int { pipelines.reduce(0) { $0 + $1.entries } }
    public var bytes: Int { pipelines.reduce(0) { $0 + $1.bytes } }
}

/// The result cache lives in the state database (table `result_cache`, keyed by the request key): one
/// file to back up, and a drop's answers are stored in the same WAL as its stage transitions.
extension StateStore: AnswerLookup {
    public func answer(for key: RequestKey, notBefore: Date?) throws -> CachedAnswer? {
        try queue.read { db in
            let row: Row?
            if let notBefore {
                row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT output, createdAt FROM result_cache WHERE key = ? AND createdAt >= ?"),
                    arguments: [Data(key.bytes), StoredDate.value(notBefore)])
            } else {
                row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT output, createdAt FROM result_cache WHERE key = ?"),
                    arguments: [Data(key.bytes)])
            }
            guard let row else { return nil }
            return CachedAnswer(output: row["output"], createdAt: StoredDate.date(row["createdAt"]) ?? Date(timeIntervalSince1970: 0))
        }
    }

    public func hasAnswers() throws -> Bool {
        try queue.read { db in try Row.fetchOne(db, sql: "SELECT 1 FROM result_cache LIMIT 1") != nil }
    }

    /// Stores answers of `pipeline` in one transaction; a key answered again keeps the newer answer.
    public func storeAnswers(_ entries: [AnswerEntry], pipeline: String, model: String, at now: Date = Date()) throws {
        guard !entries.isEmpty else { return }
        try queue.write { db in
            let insert = try AnswerInsert(db: db, pipeline: pipeline, model: model, createdAt: StoredDate.value(now))
            for entry in entries { try insert.insert(entry) }
        }
    }

    /// Entries, size and age per pipeline.
    public func cacheStats() async throws -> CacheStats {
        try await queue.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT pipeline, COUNT(*) AS entries, SUM(LENGTH(output) + 32) AS bytes,
                           SUM(inputTokens) AS inputTokens, SUM(outputTokens) AS outputTokens,
                           MIN(createdAt) AS oldest, MAX(createdAt) AS newest
                    FROM result_cache GROUP BY pipeline ORDER BY pipeline
                    """)
            return CacheStats(
                pipelines: rows.map {
                    CacheStats.Pipeline(
                        pipeline: $0["pipeline"], entries: $0["entries"], bytes: $0["bytes"] ?? 0,
                        inputTokens: $0["inputTokens"] ?? 0, outputTokens: $0["outputTokens"] ?? 0,
                        oldest: $0["oldest"], newest: $0["newest"])
                })
        }
    }

    /// Deletes the entries of `pipeline` (every pipeline when nil) stored before `before` (all when nil);
    /// returns how many went.
    public func pruneCache(pipeline: String?, before: Date?) async throws -> Int {
        try await queue.write { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            if let pipeline {
                clauses.append("pipeline = ?")
                arguments += [pipeline]
            }
            if let before {
                clauses.append("createdAt < ?")
                arguments += [StoredDate.value(before)]
            }
            let filter = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            try db.execute(sql: "DELETE FROM result_cache" + filter, arguments: arguments)
            return db.changesCount
        }
    }
}
