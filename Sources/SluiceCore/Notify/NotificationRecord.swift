import Foundation
import GRDB

/// What a webhook tells the receiver.
public enum NotificationEvent: String, Sendable, Codable, CaseIterable {
    /// A manifest with status `complete` was written.
    case complete
    /// A manifest with status `rejected` was written.
    case rejected
    /// A file is held at `awaiting-approval` (over budget); nothing was sent for it.
    case held
    /// Sent besides `complete` when failed / rows_in reached `notify.failure_rate`.
    case failureRate = "failure_rate"
}

/// Where a delivery is.
public enum NotificationState: String, Sendable, Codable {
    /// Waiting for its next attempt (`nextAttemptAt`).
    case pending
    /// A 2xx answer was received.
    case delivered
    /// Still failing `webhooks.give_up_after` after it was enqueued: no more attempts.
    case abandoned
}

/// A row of the `notification` table: one delivery, its fixed body and how its attempts went.
///
/// The body (with its delivery id) is fixed when the row is enqueued, in the transaction that records the event,
/// so every attempt, across restarts, sends the same bytes; only the signature's timestamp is made at send time.
public struct NotificationRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        StoredDate.encoding
    }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        StoredDate.decoding
    }
    public static let databaseTableName = "notification"
    /// A UUID, also in the body and the `Sluice-Delivery` header: what receivers dedupe by.
    public var deliveryID: String
    /// What makes the event unique, e.g. `drop:7:complete:2026-12-01T13:00:00.123Z` (a later manifest generation of
    /// the same drop has another `written_at`, so it gets a delivery of its own).
    public var key: String
    public var dropID: Int64?
    public var pipeline: String
    public var event: NotificationEvent
    public var url: String
    /// The environment variable the secret is read from at send time.
    public var secretEnv: String
    public var body: String
    public var createdAt: Date
    public var attempts: Int = 0
    public var nextAttemptAt: Date
    public var deliveredAt: Date? = nil
    /// The HTTP status of the last attempt, nil when it got none.
    public var lastStatus: Int? = nil
    public var lastError: String? = nil
    public var state: NotificationState = .pending

    /// The code of `lastError` when nothing was sent for want of the secret.
    static let secretMissing = "notify.secret_missing"

    static func createTable(_ db: Database) throws {
        try db.create(table: databaseTableName) { t in
            t.column("deliveryID", .text).notNull().primaryKey()
            t.column("key", .text).notNull().unique()
            t.column("dropID", .integer)
            t.column("pipeline", .text).notNull()
            t.column("event", .text).notNull()
            t.column("url", .text).notNull()
            t.column("secretEnv", .text).notNull()
            t.column("body", .text).notNull()
            t.column("createdAt", .datetime).notNull()
            t.column("attempts", .integer).notNull().defaults(to: 0)
            t.column("nextAttemptAt", .datetime).notNull()
            t.column("deliveredAt", .datetime)
            t.column("lastStatus", .integer)
            t.column("lastError", .text)
            t.column("state", .text).notNull()
        }
        try db.create(index: "notification_due", on: databaseTableName, columns: ["state", "nextAttemptAt"])
        try db.create(index: "notification_drop", on: databaseTableName, columns: ["dropID"])
    }
}
