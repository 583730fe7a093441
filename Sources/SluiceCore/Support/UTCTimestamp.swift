import Foundation

/// `2026-12-01T14:31:29Z`: what `ISO8601DateFormatter()` writes (UTC, whole seconds), without one.
///
/// A fast path: on Linux, creating an `ISO8601DateFormatter` opens an ICU date format (~100 µs), and `sluice status
/// --json` made one per timestamp — over a thousand for 200 files, a tenth of its time. Years 1900 to 9999 are
/// written here with `gmtime_r`; anything else goes to the formatter (ICU's calendar is Julian before 1582, gmtime's
/// is not). Tested against the formatter on random dates.
public enum UTCTimestamp {
    public static func string(from date: Date) -> String {
        // ICU works in whole milliseconds, rounded to the nearest: 04.9996 is written as 05.
        let interval = ((date.timeIntervalSince1970 * 1000).rounded() / 1000).rounded(.down)
        // 1900-01-01 and 10000-01-01 in seconds since 1970.
        guard interval >= -2_208_988_800, interval < 253_402_300_800 else {
            return ISO8601DateFormatter().string(from: date)
        }
        var out: [UInt8] = []
        out.reserveCapacity(20)
        appendFields(of: time_t(interval), dateTimeSeparator: UInt8(ascii: "T"), to: &out)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `yyyy-MM-dd?HH:mm:ss` of `seconds` since 1970 in UTC (`?` is the separator); shared with `StoredDate`.
    static func appendFields(of seconds: time_t, dateTimeSeparator: UInt8, to out: inout [UInt8]) {
        var seconds = seconds
        var parts = tm()
        gmtime_r(&seconds, &parts)
        appendDigits(parts.tm_year + 1900, 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(parts.tm_mon + 1, 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(parts.tm_mday, 2, to: &out)
        out.append(dateTimeSeparator)
        appendDigits(parts.tm_hour, 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(parts.tm_min, 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(parts.tm_sec, 2, to: &out)
    }

    /// Appends `value` as exactly `count` decimal digits, zero-padded.
    static func appendDigits(_ value: Int32, _ count: Int, to out: inout [UInt8]) {
        var divisor: Int32 = 1
        for _ in 1..<count { divisor *= 10 }
        var v = value
        while divisor > 0 {
            out.append(UInt8(48 + v / divisor))
            v %= divisor
            divisor /= 10
        }
    }
}
