import Foundation
import GRDB

/// Rows by stage and batches by provider status, for the gauges and the heartbeat.
extension StateStore {
    /// Unfinished drops per pipeline and stage: how many, and their rows (0 before staging counted them).
    public func unfinishedByStage() async throws -> [(pipeline: String, stage: String, files: Int, rows: Int)] {
        try await queue.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT pipeline, stage, COUNT(*) AS files, COALESCE(SUM(rowsIn), 0) AS rows FROM "drop"
                    WHERE stage != 'archived' AND NOT (stage = 'rejected' AND archivedAt IS NOT NULL)
                    GROUP BY pipeline, stage
                    """
            ).map { (pipeline: $0["pipeline"], stage: $0["stage"], files: $0["files"], rows: $0["rows"]) }
        }
    }

    /// Batches of unfinished drops per provider and status (the provider's word once it answered, else
    /// Sluice's own stage, e.g. `submitting`), with how many of them are still at the provider.
    public func unfinishedBatches() async throws -> [(provider: String, status: String, batches: Int, open: Int)] {
        try await queue.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT b.provider AS provider, COALESCE(b.providerStatus, b.state) AS status, COUNT(*) AS batches,
                        SUM(CASE WHEN b.state != 'downloaded' THEN 1 ELSE 0 END) AS open
                    FROM batch b JOIN chunk c ON c.id = b.chunkID JOIN "drop" d ON d.id = c.dropID
                    WHERE d.stage != 'archived' AND NOT (d.stage = 'rejected' AND d.archivedAt IS NOT NULL)
                    GROUP BY 1, 2
                    """
            ).map { (provider: $0["provider"], status: $0["status"], batches: $0["batches"], open: $0["open"]) }
        }
    }
}
