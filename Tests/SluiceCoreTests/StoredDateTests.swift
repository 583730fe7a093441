import Foundation
import GRDB
import Testing

@testable import SluiceCore

/// The state database's dates written and read without ICU, against GRDB's own `Date` conversion they replace.
@Suite struct StoredDateTests {
    @Test func writesWhatGRDBWritesOnRandomDates() {
        var random = SeededGenerator(state: 11)
        for _ in 0..<5_000 {
            // 1970 to 2200, at any fraction of a second (both round to the millisecond); earlier dates are GRDB's.
            let seconds = Double.random(in: 0...7_258_118_400, using: &random)
            let date = Date(timeIntervalSince1970: seconds)
            #expect(StoredDate.value(date) == date.databaseValue, "at \(seconds)")
        }
    }

    @Test func writesWhatGRDBWritesAtEdges() {
        for seconds in [
            0, -0.0004, -0.0005, -0.5, 0.999, 0.9995, 59.9996, 951_782_400, 1_709_164_799.9995, 253_402_300_799.999,
            -2_208_988_800, -2_208_988_801, -62_135_596_800, 253_402_300_800,
        ] as [Double] {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(StoredDate.value(date) == date.databaseValue, "at \(seconds)")
        }
    }

    @Test func readsWhatGRDBReads() {
        var random = SeededGenerator(state: 12)
        for _ in 0..<5_000 {
            let date = Date(timeIntervalSince1970: Double.random(in: -2_208_988_800...7_258_118_400, using: &random))
            let stored = date.databaseValue
            let ours = StoredDate.date(stored)
            let theirs = Date.fromDatabaseValue(stored)
            #expect(ours != nil && ours == theirs, "\(stored)")
        }
        // Not this module's format: GRDB's reading of them, whatever it is (nil for nonsense).
        for text in ["2026-04-31 10:00:00.000", "2026-12-01", "2026-12-01T10:00:00Z", "2026-12-01 10:00", "junk", ""] {
            let value = text.databaseValue
            #expect(StoredDate.date(value) == Date.fromDatabaseValue(value), "\(text)")
        }
        #expect(StoredDate.date(1_700_000_000.25.databaseValue) == Date(timeIntervalSince1970: 1_700_000_000.25))
    }

    @Test func recordsStoreTheSameTextAsBefore() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, at TEXT)")
            let at = Date(timeIntervalSince1970: 1_764_600_689.1234)
            try Stamped(id: 1, at: at).insert(db)
            let text = try String.fetchOne(db, sql: "SELECT at FROM t")
            #expect(text == "2025-12-01 14:51:29.123")
            #expect(text.map { $0.databaseValue } == at.databaseValue)
            let back = try Stamped.fetchOne(db)
            #expect(back?.at == Date.fromDatabaseValue(at.databaseValue))
        }
    }
}

private struct Stamped: Codable, FetchableRecord, PersistableRecord {
    static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { StoredDate.encoding }
    static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { StoredDate.decoding }
    static let databaseTableName = "t"
    var id: Int
    var at: Date
}

/// Every record with a date goes through `StoredDate` (a record left on GRDB's default would load ICU again).
@Suite struct StoredDateRecordsTests {
    @Test func everyRecordUsesStoredDates() {
        let types: [any (EncodableRecord & FetchableRecord).Type] = [
            DropRecord.self, ChunkRecord.self, BatchRecord.self, SpendRecord.self, DropSpendRecord.self,
            NotificationRecord.self, CancelRequest.self, RetryRequest.self,
        ]
        for type in types {
            guard case .custom = type.databaseDateEncodingStrategy(for: "updatedAt") else {
                Issue.record("\(type) encodes dates with GRDB's default")
                continue
            }
            guard case .custom = type.databaseDateDecodingStrategy(for: "updatedAt") else {
                Issue.record("\(type) decodes dates with GRDB's default")
                continue
            }
        }
    }
}
