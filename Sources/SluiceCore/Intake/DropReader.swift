import SluiceJSON
import SluiceRecords

/// Reads a dropped file row by row, whatever its format and compression.
///
/// Staging and output assembly both read the source through this type, so they see the same rows with
/// the same numbers and the same problems.
public final class DropReader {
    public let format: DropFormat
    public let isGzip: Bool
    /// CSV header names; empty for JSONL.
    public let header: [String]
    private let csv: CSVReader?
    private let jsonl: JSONLReader?
    private let path: String
    private let fileName: String
    /// The scan's member list, reused so a line costs one copy of it rather than a growing array.
    private var members: [JSONLMember] = []

    /// Opens `path`; `fileName` (the name as dropped) decides CSV or JSONL.
    public init(path: String, fileName: String) throws(DropRejection) {
        self.path = path
        self.fileName = fileName
        guard let format = DropFormat.infer(fileName: fileName) else {
            throw DropRejection(
                code: "drop.unsupported_format",
                reason: "\(fileName): not a .csv, .jsonl or .ndjson file (optionally .gz)")
        }
        self.format = format
        do {
            let opened = try SourceOpener.open(path: path)
            isGzip = opened.isGzip
            // Inflate on a second core while this one parses: staging then runs near inflate's own speed.
            let source = opened.isGzip ? ReadAheadByteSource(inner: opened.source) : opened.source
            switch format {
            case .csv:
                let reader = try CSVReader(source: source, path: fileName)
                csv = reader
                jsonl = nil
                header = reader.header
            case .jsonl:
                csv = nil
                jsonl = JSONLReader(source: source, path: fileName)
                header = []
            }
        } catch {
            throw Self.rejection(error, fileName: fileName)
        }
    }

    /// True when a JSONL file's last line lacked its newline (known after the last row was read).
    public var endedWithoutNewline: Bool { jsonl?.endedWithoutNewline ?? false }

    /// Decompressed bytes of the file read up to the end of the last row returned (staging's MB/s).
    public var bytesConsumed: Int64 { csv?.bytesConsumed ?? jsonl?.bytesConsumed ?? 0 }

    /// The next row, or nil at the end. Throws only when the file as a whole cannot be read on.
    public func next() throws(DropRejection) -> SourceRow? {
        do {
            if let csv {
                return try csv.next().map(SourceRow.csv)
            }
            guard let line = try jsonl!.next() else { return nil }
            if line.problem != nil { return .jsonl(line, .success(LineObject(JSONObject()))) }
            return .jsonl(line, parseObject(line))
        } catch {
            throw Self.rejection(error, fileName: fileName)
        }
    }

    /// The file-level problem in the user's terms: the name as dropped (not Sluice's claimed path) and where.
    static func rejection(_ error: RecordsError, fileName: String) -> DropRejection {
        var reason = "\(fileName): \(error.message)"
        if let row = error.row { reason += " (record \(row))" }
        if let offset = error.byteOffset { reason += " (at byte \(offset))" }
        if error.code == RecordsError.Code.gzipTruncated {
            reason += ": the file looks truncated (an export cut off or still being written)"
        }
        return DropRejection(code: error.code, reason: reason)
    }

    /// The line's object from the validating scan; a line the scan refuses goes to the full parser, whose
    /// error (or object) is the answer, so the messages are the parser's.
    private func parseObject(_ line: JSONLLine) -> Result<LineObject, RowFailure> {
        let scanned = line.bytes.withUnsafeBytes { JSONLScanner.members(of: $0, into: &members) }
        if scanned { return .success(LineObject(bytes: line.bytes, members: members)) }
        return Self.parseFully(line).map(LineObject.init)
    }

    /// The straightforward parse: the line to a `JSONValue` tree, which must be an object.
    static func parseFully(_ line: JSONLLine) -> Result<JSONObject, RowFailure> {
        do {
            let value = try line.bytes.withUnsafeBytes { (raw) throws(JSONParseError) in
                try JSONParser.parse(buffer: raw)
            }
            guard case .object(let object) = value else {
                return .failure(
                    RowFailure(
                        category: .input, code: "records.jsonl_not_object",
                        message: "line is JSON \(value.typeName), not an object"))
            }
            return .success(object)
        } catch {
            return .failure(
                RowFailure(category: .input, code: "records.jsonl_invalid", message: "line is not valid JSON: \(error)"))
        }
    }
}
