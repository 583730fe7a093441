/// Streams an RFC 4180 CSV file record by record: header first, then one `CSVRecord` per `next()`.
///
/// Rules beyond RFC 4180, chosen to accept what spreadsheets and scripts really produce:
/// - a UTF-8 byte-order mark before the header is dropped;
/// - records end with LF, CRLF or CR, mixed freely; the last record needs no line end;
/// - completely empty lines are skipped and not counted (so a one-column file cannot express an empty value
///   without quotes: write `""`, as `CSVFormat.appendRecord` does);
/// - a quote inside an unquoted field is a literal character (`ab"c`), text after a closing quote is kept
///   (`"ab"c` reads `abc`), like Python's csv module;
/// - header names are kept exactly (no trimming); empty names are allowed and never count as duplicates of each
///   other, other repeated names are refused with `records.duplicate_header`.
public final class CSVReader {
    /// Column names from the header row.
    public let header: [String]
    /// The file name used in errors.
    public let path: String
    private let scanner: CSVScanner
    private var row = 0
    private var finished = false

    /// Reads the header from `source`; `readBufferSize` is how much is read per call (tests make it tiny).
    public init(
        source: any ByteSource,
        path: String,
        maxRecordBytes: Int = 64 << 20,
        readBufferSize: Int = 1 << 20
    ) throws(RecordsError) {
        precondition(maxRecordBytes > 0, "maxRecordBytes must be positive")
        self.path = path
        scanner = CSVScanner(source: source, readBufferSize: readBufferSize, maxRecordBytes: maxRecordBytes)
        do throws(RecordsError) {
            try scanner.window.skipByteOrderMark()
            header = try Self.readHeader(scanner, path: path)
        } catch {
            throw error.located(path: path)
        }
    }

    /// Decompressed bytes consumed up to the end of the last record returned.
    public var bytesConsumed: Int64 { scanner.window.offset }

    /// The next record, or nil at the end. Throws only when the file itself cannot be read further (I/O, gzip);
    /// a bad record comes back with `problem` set and reading can go on.
    public func next() throws(RecordsError) -> CSVRecord? {
        guard !finished else { return nil }
        let outcome: CSVScanner.Outcome
        do throws(RecordsError) {
            outcome = try scanner.scanRecord()
        } catch {
            finished = true
            throw error.located(path: path)
        }
        switch outcome {
        case .endOfStream:
            finished = true
            return nil
        case .unterminatedQuote:
            finished = true
            row += 1
            return makeRecord(
                problem: problem(
                    RecordsError.Code.csvUnterminatedQuote,
                    "the file ends inside a quoted field opened in this record"
                )
            )
        case .record:
            row += 1
            return makeRecord(problem: nil)
        }
    }

    private func makeRecord(problem given: RecordsError?) -> CSVRecord {
        if scanner.storage.overflowed {
            // An unterminated quote usually explains the size (the rest of the file became one field): say that.
            let limit = scanner.storage.limit
            let found =
                given ?? problem(RecordsError.Code.recordTooLarge, "record is larger than \(limit) bytes; skipped")
            return CSVRecord(
                row: row,
                bytes: scanner.storage.completedBytes(),
                ends: scanner.storage.fieldEnds,
                problem: found
            )
        }
        let bytes = [UInt8](UnsafeBufferPointer(start: scanner.storage.bytes, count: scanner.storage.count))
        let ends = scanner.storage.fieldEnds
        var found = given
        if found == nil && ends.count != header.count {
            found = problem(RecordsError.Code.csvRagged, "expected \(header.count) fields, found \(ends.count)")
        }
        if found == nil { found = contentProblem(bytes: bytes, ends: ends) }
        return CSVRecord(row: row, bytes: bytes, ends: ends, problem: found)
    }

    /// NUL bytes and invalid UTF-8, naming the first column at fault.
    private func contentProblem(bytes: [UInt8], ends: [Int]) -> RecordsError? {
        bytes.withUnsafeBytes { all -> RecordsError? in
            guard let base = all.baseAddress else { return nil }
            if ByteScan.isCleanUTF8(base, count: all.count) && ByteScan.startsAtCharacters(all, ends) { return nil }
            var start = 0
            for (index, end) in ends.enumerated() {
                defer { start = end }
                let field = UnsafeRawBufferPointer(rebasing: all[start..<end])
                guard let fieldBase = field.baseAddress else { continue }
                if field.contains(0) {
                    return columnProblem(RecordsError.Code.nulByte, index, "contains a NUL byte")
                }
                if !ByteScan.isValidUTF8(fieldBase, count: field.count) {
                    return columnProblem(RecordsError.Code.invalidUTF8, index, "is not valid UTF-8")
                }
            }
            return nil
        }
    }

    private func columnProblem(_ code: String, _ index: Int, _ what: String) -> RecordsError {
        let column = index < header.count ? header[index] : nil
        let label = column.map { "column \"\($0)\"" } ?? "field \(index + 1)"
        return problem(code, "\(label) \(what)", column: column)
    }

    private func problem(_ code: String, _ message: String, column: String? = nil) -> RecordsError {
        RecordsError(
            code: code,
            message: message,
            path: path,
            row: row,
            column: column,
            byteOffset: scanner.recordStart
        )
    }

    private static func readHeader(_ scanner: CSVScanner, path: String) throws(RecordsError) -> [String] {
        func failure(_ code: String, _ message: String, column: String? = nil) -> RecordsError {
            RecordsError(code: code, message: message, path: path, column: column, byteOffset: scanner.recordStart)
        }
        switch try scanner.scanRecord() {
        case .endOfStream:
            throw failure(RecordsError.Code.emptyHeader, "the file has no header row")
        case .unterminatedQuote:
            throw failure(RecordsError.Code.csvUnterminatedQuote, "the file ends inside a quoted header field")
        case .record:
            break
        }
        if scanner.storage.overflowed {
            throw failure(
                RecordsError.Code.recordTooLarge,
                "header row is larger than \(scanner.storage.limit) bytes"
            )
        }
        var names: [String] = []
        var start = 0
        for (index, end) in scanner.storage.fieldEnds.enumerated() {
            let base = scanner.storage.bytes + start
            let count = end - start
            let bytes = UnsafeBufferPointer(start: base, count: count)
            if bytes.contains(0) {
                throw failure(RecordsError.Code.nulByte, "header field \(index + 1) contains a NUL byte")
            }
            guard ByteScan.isValidUTF8(base, count: count) else {
                throw failure(RecordsError.Code.invalidUTF8, "header field \(index + 1) is not valid UTF-8")
            }
            names.append(String(decoding: bytes, as: UTF8.self))
            start = end
        }
        var seen = Set<String>()
        var duplicates: [String] = []
        for name in names where !name.isEmpty {
            if !seen.insert(name).inserted && !duplicates.contains(name) { duplicates.append(name) }
        }
        if !duplicates.isEmpty {
            let list = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            throw failure(
                RecordsError.Code.duplicateHeader,
                "duplicate header names: \(list)",
                column: duplicates[0]
            )
        }
        return names
    }
}

extension RecordsError {
    /// The same error with `path` filled in when the thrower did not know it.
    func located(path: String) -> RecordsError {
        var copy = self
        if copy.path == nil { copy.path = path }
        return copy
    }
}
