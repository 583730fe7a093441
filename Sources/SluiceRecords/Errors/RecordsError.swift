/// A problem reading or writing record files, with a stable `code` that goes into state and `failures.jsonl`.
public struct RecordsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable reason code, e.g. `records.csv_ragged`; never changes once shipped.
    public var code: String
    /// Human-readable reason.
    public var message: String
    /// File the problem was found in, when known.
    public var path: String?
    /// 1-based record number (header excluded), when the problem belongs to one record.
    public var row: Int?
    /// Header name of the column at fault, when one is.
    public var column: String?
    /// Offset in the (decompressed) byte stream where the record or problem starts.
    public var byteOffset: Int64?
    /// The `errno` of a failed system call.
    public var errno: Int32?

    /// Creates an error; every field but `code` and `message` is optional context.
    public init(
        code: String,
        message: String,
        path: String? = nil,
        row: Int? = nil,
        column: String? = nil,
        byteOffset: Int64? = nil,
        errno: Int32? = nil
    ) {
        self.code = code
        self.message = message
        self.path = path
        self.row = row
        self.column = column
        self.byteOffset = byteOffset
        self.errno = errno
    }

    /// One line: code, message, then where.
    public var description: String {
        var text = "\(code): \(message)"
        if let path {
            text += " [\(path)" + (row.map { " row \($0)" } ?? "") + "]"
        } else if let row {
            text += " [row \(row)]"
        }
        if let byteOffset { text += " at byte \(byteOffset)" }
        return text
    }
}

extension RecordsError {
    /// The stable codes this module produces.
    public enum Code {
        /// A system call failed (open, read, write, fsync, rename); `errno` is set.
        public static let io = "records.io"
        /// The gzip stream is damaged: bad header, bad deflate data, CRC or length mismatch.
        public static let gzipCorrupt = "records.gzip_corrupt"
        /// The gzip stream ends in the middle of a member.
        public static let gzipTruncated = "records.gzip_truncated"
        /// A CSV record has a different number of fields than the header.
        public static let csvRagged = "records.csv_ragged"
        /// The file ends inside a quoted CSV field.
        public static let csvUnterminatedQuote = "records.csv_unterminated_quote"
        /// A field or line is not valid UTF-8.
        public static let invalidUTF8 = "records.invalid_utf8"
        /// A record is longer than the reader's `maxRecordBytes`.
        public static let recordTooLarge = "records.record_too_large"
        /// The CSV file has no header row (it is empty or blank).
        public static let emptyHeader = "records.empty_header"
        /// Two CSV header columns have the same name.
        public static let duplicateHeader = "records.duplicate_header"
        /// A field contains a NUL byte (almost always a binary file or a wrong encoding such as UTF-16).
        public static let nulByte = "records.nul_byte"
    }

    /// An I/O error from the current `errno`.
    static func io(_ operation: String, path: String?, errno code: Int32) -> RecordsError {
        RecordsError(
            code: Code.io,
            message: "\(operation) failed: \(SystemErrorText.describe(code))",
            path: path,
            errno: code
        )
    }
}
