import SluiceJSON
import SluiceRecords

/// What staging produced for one drop.
public struct StagingResult: Sendable {
    public var rowsIn: Int
    public var chunks: [StagedChunk]
    /// Rows that failed before any request was made (bad record, missing field, request too large).
    public var failedRows: Int
}

/// Reads a drop, renders one request per row and packs them into chunk files.
///
/// Rows that cannot become requests are written, in row order, to `staging-failures.jsonl`, so output
/// assembly finds every row's fate in that file or in a chunk's outcomes.
public struct Stager: Sendable {
    let spec: PipelineSpec
    let line: RequestLine
    let maxBytes: Int
    let maxRequests: Int

    /// A stager for `spec`, packing chunks within the tighter of the spec's and the provider's limits.
    public init(spec: PipelineSpec, line: RequestLine, providerMaxBytes: Int, providerMaxRequests: Int) {
        self.spec = spec
        self.line = line
        maxBytes = min(spec.batch.targetBytes, providerMaxBytes)
        maxRequests = min(spec.batch.maxRequests, providerMaxRequests)
    }

    /// Name of the staging failures file inside a drop's work folder.
    public static let failuresFileName = "staging-failures.jsonl"

    /// Stages `sourcePath` (dropped as `fileName`) into `directory`. Blocking: run it on a thread of its own.
    public func stage(sourcePath: String, fileName: String, directory: String, progress: (Int) -> Void = { _ in })
        throws(DropRejection) -> StagingResult
    {
        let reader = try DropReader(path: sourcePath, fileName: fileName)
        let resolver = try FieldResolver(fields: line.fields, idColumn: spec.idColumn, reader: reader, fileName: fileName)
        let writer = ChunkWriter(directory: directory, maxBytes: maxBytes, maxRequests: maxRequests)
        let failures: FileSink
        do {
            failures = try FileSink(path: directory + "/" + Self.failuresFileName, gzip: false)
        } catch {
            throw DropRejection(code: error.code, reason: "cannot write staging files: \(error.message)")
        }
        var rows = 0
        var failed = 0
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 16)
        var failureLine: [UInt8] = []
        do throws(RecordsError) {
            while let row = try nextRow(reader) {
                rows += 1
                if rows & 0x3FFF == 0 { progress(rows) }
                var failure = row.problem
                if failure == nil {
                    buffer.removeAll(keepingCapacity: true)
                    let rendered = line.render(customID: CustomID.make(row: row.row), into: &buffer) { index, out in
                        resolver.appendEscaped(index, of: row, into: &out)
                    }
                    if !rendered {
                        let name = resolver.missingField(in: row)?.name ?? "?"
                        failure = RowFailure(
                            category: .input, code: "template.missing_field",
                            message: "the template names '\(name)', which this record lacks")
                    } else if !writer.fits(buffer.count) {
                        failure = RowFailure(
                            category: .input, code: "input.request_too_large",
                            message: "the rendered request is \(buffer.count) bytes; a chunk holds at most \(maxBytes)")
                    } else {
                        try writer.append(buffer, row: row.row)
                    }
                }
                if let failure {
                    failed += 1
                    failureLine.removeAll(keepingCapacity: true)
                    failureLine.append(contentsOf: #"{"row":\#(row.row),"error":"#.utf8)
                    JSONWriter.write(failure.json, into: &failureLine)
                    failureLine.append(contentsOf: "}\n".utf8)
                    try failures.write(failureLine)
                }
            }
            try failures.finish()
            let chunks = try writer.finish()
            progress(rows)
            return StagingResult(rowsIn: rows, chunks: chunks, failedRows: failed)
        } catch {
            throw DropRejection(code: error.code, reason: "cannot write staging files: \(error.message)")
        }
    }

    /// Reads on; a file-level read error surfaces as a `RecordsError` so one catch handles all I/O.
    private func nextRow(_ reader: DropReader) throws(RecordsError) -> SourceRow? {
        do {
            return try reader.next()
        } catch {
            throw RecordsError(code: error.code, message: error.reason)
        }
    }
}
