import Foundation
import GRDB

/// A UTC calendar day, `2026-12-01`: the unit of `budget.daily_usd` and of the spending totals.
public enum SpendDay {
    /// The UTC day `date` falls on.
    public static func of(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }
}

/// A row of the `spend` table: one pipeline's spending on one UTC day.
///
/// A file's estimate is reserved against the day when its first chunk is submitted, and replaced by its
/// actual cost when its manifest is written; `actualUSD + reservedUSD` is what the daily budget is checked
/// against.
public struct SpendRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        StoredDate.encoding
    }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        StoredDate.decoding
    }
    public static let databaseTableName = "spend"
    public var pipeline: String
    public var day: String
    /// Estimates of files submitted that day and not settled yet.
    public var reservedUSD = 0.0
    /// Actual cost of the files settled (an unpriced file adds nothing here; it is counted in `unpricedFiles`).
    public var actualUSD = 0.0
    public var inputTokens = 0
    public var outputTokens = 0
    /// Requests sent for the settled files, retries included.
    public var requests = 0
    /// Files settled.
    public var files = 0
    /// Settled files whose model had no price: their cost is not in `actualUSD`.
    public var unpricedFiles = 0

    public init(pipeline: String, day: String) {
        self.pipeline = pipeline
        self.day = day
    }

    /// Spent and reserved: what the next file's estimate is added to.
    public var committedUSD: Double { actualUSD + reservedUSD }
}

/// A row of `dropSpend`: one drop's estimate, hold, approval, reservation and settlement.
public struct DropSpendRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        StoredDate.encoding
    }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        StoredDate.decoding
    }
    public static let databaseTableName = "dropSpend"
    public var dropID: Int64
    public var pipeline: String
    /// The estimate made before the first chunk was submitted; nil without a price.
    public var estimatedUSD: Double?
    /// The estimate's figure and basis in words; set once the estimate is made.
    public var estimate: String?
    /// Why the drop is held (stage `awaiting-approval`), and under which key and limit.
    public var hold: String?
    public var holdLimit: BudgetLimit?
    public var holdLimitUSD: Double?
    /// When it was approved (by `sluice approve` or a `NAME.approve` file): it is then never held.
    public var approvedAt: Date?
    /// The UTC day its spending counts against: the day it was reserved (submitted).
    public var day: String?
    /// What was reserved for it; its share of the day's `reservedUSD` until it is settled.
    public var reservedUSD: Double?
    /// Its actual cost (nil: unknown price), once settled.
    public var actualUSD: Double?
    public var settledAt: Date?

    public init(dropID: Int64, pipeline: String) {
        self.dropID = dropID
        self.pipeline = pipeline
    }

    /// True once its estimate is reserved against a day (its chunks may be submitted).
    public var isReserved: Bool { day != nil }
    /// True once its actual cost replaced its reservation.
    public var isSettled: Bool { settledAt != nil }
}
