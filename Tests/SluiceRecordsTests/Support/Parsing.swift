import Testing
import SluiceRecords

/// A parsed CSV file: header, every record's fields, and each record's problem code.
struct ParsedCSV: Equatable {
    var header: [String]
    var rows: [[String]]
    var problems: [Int: String]  // row -> problem code
}

/// Parses `bytes` from memory with the given read buffer size and source chunk size.
func parseCSV(
    _ bytes: [UInt8],
    readBufferSize: Int = 1 << 20,
    chunk: Int = .max,
    maxRecordBytes: Int = 64 << 20
) throws -> ParsedCSV {
    let reader = try CSVReader(
        source: MemoryByteSource(bytes, maxChunk: chunk),
        path: "test.csv",
        maxRecordBytes: maxRecordBytes,
        readBufferSize: readBufferSize
    )
    var parsed = ParsedCSV(header: reader.header, rows: [], problems: [:])
    while let record = try reader.next() {
        #expect(record.row == parsed.rows.count + 1)
        parsed.rows.append(record.strings)
        if let problem = record.problem { parsed.problems[record.row] = problem.code }
    }
    return parsed
}

/// Parses a CSV given as a String.
func parseCSV(_ text: String, readBufferSize: Int = 1 << 20, chunk: Int = .max) throws -> ParsedCSV {
    try parseCSV(Array(text.utf8), readBufferSize: readBufferSize, chunk: chunk)
}

/// Every record the reader returns, in order.
func allRecords(_ reader: CSVReader) throws -> [CSVRecord] {
    var records: [CSVRecord] = []
    while let record = try reader.next() { records.append(record) }
    return records
}

/// Every line a JSONL reader returns for `bytes`.
func allLines(
    _ bytes: [UInt8],
    readBufferSize: Int = 1 << 20,
    chunk: Int = .max,
    maxRecordBytes: Int = 64 << 20
)
    throws -> [JSONLLine]
{
    let reader = JSONLReader(
        source: MemoryByteSource(bytes, maxChunk: chunk),
        path: "test.jsonl",
        maxRecordBytes: maxRecordBytes,
        readBufferSize: readBufferSize
    )
    var lines: [JSONLLine] = []
    while let line = try reader.next() { lines.append(line) }
    return lines
}

/// Reads a byte source to its end.
func drain(_ source: any ByteSource, bufferSize: Int = 64 << 10) throws -> [UInt8] {
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: bufferSize)
    while true {
        let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
        if count == 0 { return result }
        result.append(contentsOf: buffer[..<count])
    }
}

/// A small deterministic generator (SplitMix64) so random tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
