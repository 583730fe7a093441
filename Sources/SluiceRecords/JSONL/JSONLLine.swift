/// One JSONL record: the raw bytes of a line without its terminator (`\n` or `\r\n`).
public struct JSONLLine: Sendable {
    /// 1-based record number, blank lines excluded.
    public var row: Int
    /// The line's bytes; empty when the line was too large to keep.
    public var bytes: [UInt8]
    /// Why the line is unusable before JSON parsing (too large, invalid UTF-8, NUL byte); nil when fine.
    public var problem: RecordsError?

    /// Creates a line.
    public init(row: Int, bytes: [UInt8], problem: RecordsError? = nil) {
        self.row = row
        self.bytes = bytes
        self.problem = problem
    }
}
