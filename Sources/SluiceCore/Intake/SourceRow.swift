import SluiceJSON
import SluiceRecords

/// One record of a dropped file, CSV or JSONL, with what staging and assembly need from it.
public enum SourceRow {
    case csv(CSVRecord)
    /// A JSONL line and its parse: the object, or why the line is not one.
    case jsonl(JSONLLine, Result<LineObject, RowFailure>)

    /// 1-based record number.
    public var row: Int {
        switch self {
        case .csv(let r): return r.row
        case .jsonl(let l, _): return l.row
        }
    }

    /// Why the record itself is unusable (ragged, invalid UTF-8, not a JSON object...), if it is.
    public var problem: RowFailure? {
        switch self {
        case .csv(let r): return r.problem.map(RowFailure.init(input:))
        case .jsonl(let l, let parsed):
            if let p = l.problem { return RowFailure(input: p) }
            if case .failure(let f) = parsed { return f }
            return nil
        }
    }
}

extension RowFailure {
    /// An `input` failure from a reader's row problem.
    init(input problem: RecordsError) {
        var message = problem.message
        if let column = problem.column, !message.contains(column) { message += " (column \(column))" }
        self.init(category: .input, code: problem.code, message: message)
    }
}
