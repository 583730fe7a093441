import Foundation
import GRDB

/// Dates in the state database as GRDB writes them (`2026-12-01 14:31:29.123`, UTC), without GRDB's formatter.
///
/// Why: GRDB writes dates with a `DateFormatter` and reads them back through `Calendar`, and on Linux both load
/// ICU's date machinery: about 7 MB of resident memory (issue 8: a whole drop in 64 MB) in a process that only
/// ever stores UTC timestamps. The text is the same, so existing databases, their indexes and their text
/// comparisons are unchanged; `StoredDateTests` checks both directions against GRDB's own conversion.
public enum StoredDate {
    /// The database value GRDB's `Date.databaseValue` gives (years 1970...9999 here; others through GRDB).
    public static func value(_ date: Date) -> DatabaseValue {
        guard let text = text(date) else { return date.databaseValue }
        return text.databaseValue
    }

    /// `yyyy-MM-dd HH:mm:ss.SSS` in UTC, rounded to the millisecond as ICU does; nil outside 1970...9999 (ICU
    /// rounds some fractions of dates before 1970 differently; the state database holds none).
    static func text(_ date: Date) -> String? {
        let millis = (date.timeIntervalSince1970 * 1000).rounded()
        // 10000-01-01 in milliseconds since 1970.
        guard millis >= 0, millis < 253_402_300_800_000 else { return nil }
        let whole = Int64(millis)
        let seconds = time_t(whole / 1000)
        var out: [UInt8] = []
        out.reserveCapacity(23)
        UTCTimestamp.appendFields(of: seconds, dateTimeSeparator: UInt8(ascii: " "), to: &out)
        out.append(UInt8(ascii: "."))
        UTCTimestamp.appendDigits(Int32(whole - Int64(seconds) * 1000), 3, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The date GRDB's `Date.fromDatabaseValue` gives: this module's exact format parsed here, anything else
    /// (numbers, other SQLite date forms) by GRDB.
    public static func date(_ value: DatabaseValue) -> Date? {
        guard case .string(let text) = value.storage, let date = parse(text) else {
            return Date.fromDatabaseValue(value)
        }
        return date
    }

    /// Parses exactly `yyyy-MM-dd HH:mm:ss.SSS` (years 1900...9999); nil for anything else.
    static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { (b) -> Date? in
            guard b.count == 23, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x20, b[13] == 0x3A, b[16] == 0x3A,
                b[19] == 0x2E
            else { return nil }
            func number(_ from: Int, _ count: Int) -> Int32? {
                var v: Int32 = 0
                for i in from..<(from + count) {
                    let d = b[i] &- 48
                    guard d < 10 else { return nil }
                    v = v * 10 + Int32(d)
                }
                return v
            }
            guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
                let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
                let millis = number(20, 3), year >= 1900, (1...12).contains(month), (1...31).contains(day),
                hour < 24, minute < 60, second < 60
            else { return nil }
            var parts = tm()
            parts.tm_year = year - 1900
            parts.tm_mon = month - 1
            parts.tm_mday = day
            parts.tm_hour = hour
            parts.tm_min = minute
            parts.tm_sec = second
            // Days past the month's end (31 April) roll over in timegm as in Calendar: leave those to GRDB.
            let seconds = timegm(&parts)
            guard parts.tm_mday == day else { return nil }
            // Whole seconds since 2001, then the fraction: the same Double as GRDB's Calendar-made date.
            return Date(timeIntervalSinceReferenceDate: Double(Int64(seconds) - 978_307_200) + Double(millis) / 1000)
        }
    }
}

extension StoredDate {
    /// What a record with dates returns from `databaseDateEncodingStrategy(for:)`. Each record declares the two
    /// functions itself: a default in a protocol extension is not taken as GRDB's witness (GRDB's own wins).
    public static let encoding = DatabaseDateEncodingStrategy.custom { value($0) }
    /// What a record with dates returns from `databaseDateDecodingStrategy(for:)`.
    public static let decoding = DatabaseDateDecodingStrategy.custom { date($0) }
}
