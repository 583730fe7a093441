import SluiceJSON
import SluiceRecords

/// Reads a drop row by row and renders each row's request line, or says why the row has none.
///
/// Staging (and with it `sluice estimate`) and `sluice sample` read drops through this one type, so they see
/// the same rows with the same numbers, render the same requests and fail the same rows with the same codes.
public final class RowRenderer {
    /// The reader the rows come from.
    public let reader: DropReader
    /// Template fields and the id column, resolved against the file.
    public let resolver: FieldResolver
    private let line: RequestLine
    private let fileName: String
    private let maxBytes: Int
    private let framing: ChunkFraming
    /// Where the last rendered line's templates start and end (`RequestLine.render`).
    private(set) var templates: [Int] = []

    /// Opens `sourcePath` (dropped as `fileName`) for `line`'s templates. A request is too large when it cannot
    /// go into a chunk of `maxBytes` framed by `framing`. Throws when the file as a whole is unusable (format,
    /// header, a template column the CSV header lacks).
    public init(
        sourcePath: String,
        fileName: String,
        line: RequestLine,
        idColumn: String?,
        maxBytes: Int,
        framing: ChunkFraming
    ) throws(DropRejection) {
        reader = try DropReader(path: sourcePath, fileName: fileName)
        resolver = try FieldResolver(fields: line.fields, idColumn: idColumn, reader: reader, fileName: fileName)
        self.line = line
        self.fileName = fileName
        self.maxBytes = maxBytes
        self.framing = framing
    }

    /// The next row, with its request line (and newline) in `buffer` when `failure` is nil; nil at the end.
    ///
    /// Throws `DropRejection` when the file cannot be read on, including a CSV that ends inside a quoted field:
    /// such a file looks truncated and is rejected, never half-processed.
    public func next(into buffer: inout [UInt8]) throws(DropRejection) -> (row: SourceRow, failure: RowFailure?)? {
        guard let row = try reader.next() else { return nil }
        if let problem = row.problem {
            if problem.code == RecordsError.Code.csvUnterminatedQuote {
                throw DropRejection(
                    code: RecordsError.Code.csvUnterminatedQuote,
                    reason: "\(fileName): the file ends inside a quoted field opened in record \(row.row): "
                        + "it looks truncated (an export cut off or still being written)"
                )
            }
            return (row, problem)
        }
        buffer.removeAll(keepingCapacity: true)
        let resolver = self.resolver
        let rendered = line.render(customID: CustomID.make(row: row.row), into: &buffer, templates: &templates) {
            index, out in
            resolver.appendEscaped(index, of: row, into: &out)
        }
        if !rendered {
            let name = resolver.missingField(in: row)?.name ?? "?"
            return (
                row,
                RowFailure(
                    category: .input,
                    code: "template.missing_field",
                    message: "the template names '\(name)', which this record lacks"
                )
            )
        }
        if !framing.fits(buffer.count, maxBytes: maxBytes) {
            return (
                row,
                RowFailure(
                    category: .input,
                    code: "input.request_too_large",
                    message: "the rendered request is \(buffer.count) bytes; a chunk holds at most \(maxBytes)"
                )
            )
        }
        return (row, nil)
    }

    /// Checks the end of the file once every row was read: with `requireFinalNewline`, a JSONL file whose last
    /// line has no newline is rejected as truncated. `rows` is the number of rows read.
    public func finish(rows: Int, requireFinalNewline: Bool) throws(DropRejection) {
        if requireFinalNewline && reader.endedWithoutNewline {
            throw DropRejection(
                code: "drop.unterminated_last_line",
                reason: "\(fileName): the last line (record \(rows)) has no terminating newline: "
                    + "the file looks truncated (a complete JSONL file ends with a newline)"
            )
        }
    }
}
