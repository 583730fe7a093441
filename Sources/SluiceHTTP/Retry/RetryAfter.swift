import Foundation

/// Reads the delay a server asks for before a retry.
public enum RetryAfter {
    /// `retry-after-ms` (milliseconds), else `Retry-After` (seconds, fractions allowed, or an
    /// HTTP date measured from `now`); nil when absent or unreadable. Header names are lowercase.
    public static func delay(in headers: [String: String], now: Date) -> Duration? {
        if let text = headers["retry-after-ms"], let millis = Double(text.trimmingCharacters(in: .whitespaces)),
            millis.isFinite, millis >= 0
        {
            return .milliseconds(millis)
        }
        guard let text = headers["retry-after"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            return nil
        }
        if let seconds = Double(text) {
            return seconds.isFinite && seconds >= 0 ? .seconds(seconds) : nil
        }
        guard let date = httpDate(text) else { return nil }
        return .seconds(max(0, date.timeIntervalSince(now)))
    }

    /// Parses the three date forms RFC 9110 accepts: IMF-fixdate, RFC 850 and asctime.
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
