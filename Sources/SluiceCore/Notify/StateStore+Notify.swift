import Foundation
import GRDB

/// How many deliveries are in each state, for `sluice status`.
public struct NotificationCounts: Sendable, Equatable {
    public var pending = 0
    public var delivered = 0
    public var abandoned = 0

    public init(pending: Int = 0, delivered: Int = 0, abandoned: Int = 0) {
        self.pending = pending
        self.delivered = delivered
        self.abandoned = abandoned
    }
}

extension StateStore {
    /// Adds deliveries inside a transaction that records their event. A key already present (the same event
    /// recorded again after a crash) keeps its first row: never two deliveries for one event.
    static func enqueue(_ notifications: [NotificationRecord], in db: Database) throws {
        for notification in notifications { try notification.insert(db, onConflict: .ignore) }
    }

    /// Changes a drop and enqueues the deliveries its change is the event of, in one transaction: a crash
    /// leaves either both or neither.
    public func updateDrop(
        id: Int64, notifying notifications: [NotificationRecord], _ change: @escaping @Sendable (inout DropRecord) -> Void
    ) async throws {
        try await queue.write { db in
            guard var drop = try DropRecord.fetchOne(db, key: id) else { return }
            change(&drop)
            drop.updatedAt = Date()
            try drop.update(db)
            try Self.enqueue(notifications, in: db)
        }
    }

    /// Adds deliveries on their own (tests, and events without a drop change).
    public func enqueueNotifications(_ notifications: [NotificationRecord]) async throws {
        try await queue.write { db in try Self.enqueue(notifications, in: db) }
    }

    /// Pending deliveries due at `now`, oldest first; only those of `dropIDs` when given.
    public func dueNotifications(now: Date, dropIDs: [Int64]? = nil, limit: Int = 50) async throws
        -> [NotificationRecord]
    {
        try await queue.read { db in
            var request = NotificationRecord.filter(
                Column("state") == NotificationState.pending.rawValue && Column("nextAttemptAt") <= StoredDate.value(now))
            if let dropIDs { request = request.filter(dropIDs.contains(Column("dropID"))) }
            return try request.order(Column("nextAttemptAt"), Column("createdAt")).limit(limit).fetchAll(db)
        }
    }

    /// The earliest next attempt of a pending delivery (of `dropIDs` when given); nil when none is pending.
    public func nextNotificationAttempt(dropIDs: [Int64]? = nil) async throws -> Date? {
        try await queue.read { db in
            var request = NotificationRecord.filter(Column("state") == NotificationState.pending.rawValue)
            if let dropIDs { request = request.filter(dropIDs.contains(Column("dropID"))) }
            return try request.order(Column("nextAttemptAt")).fetchOne(db)?.nextAttemptAt
        }
    }

    /// Saves the outcome of an attempt (the row as the courier changed it).
    public func saveNotification(_ notification: NotificationRecord) async throws {
        try await queue.write { db in try notification.update(db) }
    }

    /// The delivery with `deliveryID`.
    public func notification(deliveryID: String) async throws -> NotificationRecord? {
        try await queue.read { db in try NotificationRecord.fetchOne(db, key: deliveryID) }
    }

    /// Deliveries of the drop `dropID`, oldest first.
    public func notifications(dropID: Int64) async throws -> [NotificationRecord] {
        try await queue.read { db in
            try NotificationRecord.filter(Column("dropID") == dropID).order(Column("createdAt")).fetchAll(db)
        }
    }

    /// Deliveries per state, and the pending and abandoned ones themselves (newest first, at most `limit`).
    public func notificationSummary(limit: Int = 20) async throws -> (NotificationCounts, [NotificationRecord]) {
        try await queue.read { db in
            var counts = NotificationCounts()
            let rows = try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM notification GROUP BY state")
            for row in rows {
                let n: Int = row["n"]
                let state: String = row["state"]
                switch NotificationState(rawValue: state) {
                case .pending: counts.pending = n
                case .delivered: counts.delivered = n
                case .abandoned: counts.abandoned = n
                case nil: break
                }
            }
            let open = try NotificationRecord.filter(Column("state") != NotificationState.delivered.rawValue)
                .order(Column("createdAt").desc).limit(limit).fetchAll(db)
            return (counts, open)
        }
    }
}

extension StateStore {
    /// Pending deliveries of `dropIDs` (all when nil).
    public func pendingNotificationCount(dropIDs: [Int64]? = nil) async throws -> Int {
        try await queue.read { db in
            var request = NotificationRecord.filter(Column("state") == NotificationState.pending.rawValue)
            if let dropIDs { request = request.filter(dropIDs.contains(Column("dropID"))) }
            return try request.fetchCount(db)
        }
    }
}

extension StateStore {
    /// Makes deliveries that waited for a missing secret due now (a new process may have it).
    public func retryMissingSecrets(now: Date) async throws {
        try await queue.write { db in
            try db.execute(
                sql: "UPDATE notification SET nextAttemptAt = ? WHERE state = ? AND lastError LIKE ?",
                arguments: [StoredDate.value(now), NotificationState.pending.rawValue, NotificationRecord.secretMissing + ":%"])
        }
    }
}

extension StateStore {
    /// Takes a due delivery for one attempt: moves its next attempt to `until` if it is still pending and due as
    /// `seen` says. False when another process (the daemon, `sluice process`) took it first. A sender that dies
    /// mid-POST leaves it due again at `until`.
    public func leaseNotification(_ seen: NotificationRecord, until: Date) async throws -> Bool {
        try await queue.write { db in
            try db.execute(
                sql: "UPDATE notification SET nextAttemptAt = ? WHERE deliveryID = ? AND state = ? AND nextAttemptAt = ?",
                arguments: [
                    StoredDate.value(until), seen.deliveryID, NotificationState.pending.rawValue,
                    StoredDate.value(seen.nextAttemptAt),
                ])
            return db.changesCount == 1
        }
    }
}
