import GRDB

extension StateStore {
    /// The finished drop of this content through this spec whose stored results `process` would reuse instead
    /// of sending anything (archived with its results kept); nil when there is none.
    public func reusableDrop(
        pipeline: String,
        sha256: String,
        specSHA256: String
    ) async throws
        -> DropRecord?
    {
        try await queue.read { db in
            try DropRecord.filter(
                Column("pipeline") == pipeline && Column("sha256") == sha256
                    && Column("specSHA256") == specSHA256
                    && Column("sameAs") == nil && Column("stage") == DropStage.archived.rawValue
                    && Column("resultsDir") != nil
            ).order(Column("id").desc).fetchOne(db)
        }
    }
}
