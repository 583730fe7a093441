/// The `format` values Sluice checks; other formats are annotations and are not checked.
///
/// These are the formats OpenAI strict structured outputs support (batch-api-wire.md §1.13). Checks follow
/// RFC 3339 (dates and times), RFC 4122 (uuid), RFC 1123 (hostname) and a practical ASCII email shape; they scan
/// UTF-8 bytes without building intermediate strings.
enum StringFormat: String, Sendable, CaseIterable {
    case date
    case time
    case dateTime = "date-time"
    case duration
    case email
    case hostname
    case ipv4
    case ipv6
    case uuid

    /// Whether `string` is a valid value of this format.
    func accepts(_ string: String) -> Bool {
        var copy = string
        return copy.withUTF8 { bytes in
            var scanner = FormatScanner(bytes)
            switch self {
            case .date: return scanner.date() && scanner.atEnd
            case .time: return scanner.time(offsetRequired: false) && scanner.atEnd
            case .dateTime: return scanner.dateTime() && scanner.atEnd
            case .duration: return scanner.duration() && scanner.atEnd
            case .email: return scanner.email() && scanner.atEnd
            case .hostname: return scanner.hostname() && scanner.atEnd
            case .ipv4: return scanner.ipv4() && scanner.atEnd
            case .ipv6: return scanner.ipv6() && scanner.atEnd
            case .uuid: return scanner.uuid() && scanner.atEnd
            }
        }
    }
}
