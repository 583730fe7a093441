/// One CSV record: its fields' unescaped UTF-8 bytes (quotes removed, `""` turned into `"`), stored contiguously.
public struct CSVRecord: Sendable {
    /// 1-based record number in the file, header and blank lines excluded.
    public var row: Int
    /// Why the record is unusable (ragged, invalid UTF-8, NUL byte, too large, unterminated quote); nil when fine.
    /// Reading goes on past a record with a problem.
    public var problem: RecordsError?
    /// All fields' bytes back to back.
    var bytes: [UInt8]
    /// End offset (exclusive) of each field in `bytes`.
    var ends: [Int]

    init(row: Int, bytes: [UInt8], ends: [Int], problem: RecordsError?) {
        self.row = row
        self.bytes = bytes
        self.ends = ends
        self.problem = problem
    }

    /// Builds a record from field values (for tests and for callers that synthesise records).
    public init(row: Int, fields: [String], problem: RecordsError? = nil) {
        var bytes: [UInt8] = []
        var ends: [Int] = []
        ends.reserveCapacity(fields.count)
        for field in fields {
            bytes.append(contentsOf: field.utf8)
            ends.append(bytes.count)
        }
        self.init(row: row, bytes: bytes, ends: ends, problem: problem)
    }

    /// Number of fields read; may be lower than the header's when `problem` is set.
    public var fieldCount: Int { ends.count }

    /// Calls `body` with the bytes of field `index` (no copy).
    public func withField<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let range = byteRange(index)
        return try bytes.withUnsafeBytes { all in try body(UnsafeRawBufferPointer(rebasing: all[range])) }
    }

    /// The bytes of field `index` as a slice of the record's storage (no copy).
    public func field(_ index: Int) -> ArraySlice<UInt8> { bytes[byteRange(index)] }

    /// Field `index` as a String; invalid UTF-8 is replaced with U+FFFD.
    public func string(_ index: Int) -> String {
        withField(index) { String(decoding: $0, as: UTF8.self) }
    }

    /// All fields as Strings (lossy, like `string(_:)`).
    public var strings: [String] { (0..<fieldCount).map(string) }

    /// Byte range of field `index` in `bytes`.
    func byteRange(_ index: Int) -> Range<Int> {
        precondition(index >= 0 && index < ends.count, "field \(index) out of range 0..<\(ends.count)")
        return (index == 0 ? 0 : ends[index - 1])..<ends[index]
    }
}
