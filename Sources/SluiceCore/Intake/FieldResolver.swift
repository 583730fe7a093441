import SluiceJSON
import SluiceRecords

/// Finds template fields and the id column in rows of one file.
///
/// For CSV every field is resolved to a column index once, so a template naming a column the file lacks
/// rejects the file before anything is sent. JSONL objects vary by line, so a missing field there fails
/// only that row.
public struct FieldResolver {
    let fields: [FieldPath]
    let columns: [Int]
    let idColumn: Int?
    let idPath: FieldPath?

    /// Resolves `fields` (and the spec's id column) against a file's header.
    public init(fields: [FieldPath], idColumn: String?, reader: DropReader, fileName: String) throws(DropRejection) {
        self.fields = fields
        idPath = idColumn.flatMap(FieldPath.init)
        switch reader.format {
        case .jsonl:
            columns = []
            self.idColumn = nil
        case .csv:
            var index: [String: Int] = [:]
            for (i, name) in reader.header.enumerated() where index[name] == nil { index[name] = i }
            let missing = fields.filter { index[$0.name] == nil }.map(\.name)
            if !missing.isEmpty {
                throw DropRejection(
                    code: "drop.missing_column",
                    reason: "\(fileName): the template names \(missing.map { "'\($0)'" }.joined(separator: ", ")), "
                        + "which the file's header lacks (columns: \(reader.header.joined(separator: ", ")))")
            }
            columns = fields.map { index[$0.name]! }
            if let idColumn {
                guard let i = index[idColumn] else {
                    throw DropRejection(
                        code: "drop.missing_id_column",
                        reason: "\(fileName): id column '\(idColumn)' is not in the header")
                }
                self.idColumn = i
            } else {
                self.idColumn = nil
            }
        }
    }

    /// Appends field `index` of `row`, JSON-escaped; false when a JSONL row lacks it.
    @inline(__always)
    public func appendEscaped(_ index: Int, of row: SourceRow, into out: inout [UInt8]) -> Bool {
        switch row {
        case .csv(let record):
            record.withField(columns[index]) { JSONWriter.escape($0, into: &out) }
            return true
        case .jsonl(_, .success(let object)):
            return object.appendEscaped(fields[index], into: &out)
        case .jsonl:
            return false
        }
    }

    /// The first field of `fields` that `row` lacks, for the error message.
    public func missingField(in row: SourceRow) -> FieldPath? {
        guard case .jsonl(_, .success(let object)) = row else { return nil }
        return fields.first { object.value(at: $0) == nil }
    }

    /// The row's id as written in the failures file: the id column's value, or null.
    public func id(of row: SourceRow) -> JSONValue {
        switch row {
        case .csv(let record):
            guard let idColumn, idColumn < record.fieldCount else { return .null }
            return .string(record.string(idColumn))
        case .jsonl(_, .success(let object)):
            guard let idPath, let value = object.value(at: idPath) else { return .null }
            return value
        case .jsonl:
            return .null
        }
    }
}
