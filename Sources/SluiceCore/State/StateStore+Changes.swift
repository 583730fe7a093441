import GRDB

/// What has been committed to the state database, as far as one connection can tell without reading any table.
///
/// Two counters that only move on a commit: SQLite's `PRAGMA data_version` changes when another connection (a CLI
/// command: `sluice approve`, `cancel`, `retry`, `flush`) commits, and `sqlite3_total_changes` counts the rows
/// this connection (the daemon's own jobs) changed. Equal tokens mean nothing changed in between, so a periodic
/// check can skip its queries; the token is read before them, so a change racing a check shows up at the next one.
public struct StateChangeToken: Equatable, Sendable {
    let dataVersion: Int
    let localChanges: Int
}

extension StateStore {
    /// The current token: one read of two counters, no table touched.
    public func changeToken() async throws -> StateChangeToken {
        try await queue.read { db in
            StateChangeToken(
                dataVersion: try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0, localChanges: db.totalChangesCount)
        }
    }
}
