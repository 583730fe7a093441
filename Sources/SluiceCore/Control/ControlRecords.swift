import Foundation
import GRDB
import SluiceJSON

/// A row of `control_cancel`: `sluice cancel` asked to stop a file, or one provider batch of it.
///
/// The request is the durable intent; acting on it is idempotent (cancelling a cancelled batch at the provider is
/// allowed, outcome files are rewritten whole), so a crash at any point only repeats work.
public struct CancelRequest: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        StoredDate.encoding
    }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        StoredDate.decoding
    }
    public static let databaseTableName = "control_cancel"
    public var id: Int64?
    public var dropID: Int64
    /// nil: the whole file (every batch, and nothing more is sent); else that batch only.
    public var providerBatchID: String?
    public var requestedAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Whether this request covers the provider batch `id` (nil: a chunk never sent).
    public func covers(batch id: String?) -> Bool { providerBatchID == nil || providerBatchID == id }
}

/// A row of `control_retry`: `sluice retry` asked to send a finished file's failed rows again.
public struct RetryRequest: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        StoredDate.encoding
    }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        StoredDate.decoding
    }
    public static let databaseTableName = "control_retry"
    public var id: Int64?
    public var dropID: Int64
    /// Failure categories to send again, comma-separated (`transient,schema`).
    public var categories: String
    public var requestedAt: Date
    /// When the retry round's chunks were recorded; nil while the daemon has still to plan it.
    public var preparedAt: Date?
    /// Rows the round sends.
    public var rows: Int?
    /// The manifest generation this retry writes (2 for the first retry of a file).
    public var generation: Int
    /// The manifest it replaces, as JSON `{generation, written_at, sha256}`.
    public var previous: String?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The manifest this retry replaces.
    public var previousManifest: Manifest.Previous? {
        previous.flatMap { try? JSONParser.parse($0) }.flatMap(Manifest.Previous.init(json:))
    }

    /// The categories as values.
    public var categorySet: Set<RowFailure.Category> {
        Set(categories.split(separator: ",").compactMap { RowFailure.Category(rawValue: String($0)) })
    }
}

/// A control command that cannot be applied, with a stable code (`control.finished`, ...).
public struct ControlError: Error, Sendable, CustomStringConvertible {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
