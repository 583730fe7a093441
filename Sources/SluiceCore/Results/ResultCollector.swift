import SluiceJSON
import SluiceRecords

/// Reads a finished batch's result files and writes one outcome per returned row.
///
/// Lines are streamed; per row only a "seen" flag is kept. Rows of the chunk that got no line (a batch that
/// failed validation, expired or was cancelled, or a line the provider lost) are recorded with the batch's
/// reason, so none is left without a fate. Rows that failed at staging are in the range too; their staging
/// failure takes precedence at assembly.
struct ResultCollector {
    let interpreter: OutputInterpreter
    var format: WireFormat = .openAIBatch

    /// Joins `resultFiles` to the chunk's rows. `only` (ascending) names the rows a retry chunk holds within
    /// `rows`; `attempt` is the attempt of the chunk's requests, recorded for rows that got no line.
    func collect(
        resultFiles: [String], snapshot: BatchSnapshot, rows: ClosedRange<Int>, only: [Int]? = nil, attempt: Int = 1,
        into path: String
    ) throws {
        let writer = try OutcomeWriter(path: path)
        var seen = [Bool](repeating: only == nil ? false : true, count: rows.count)
        for row in only ?? [] where rows.contains(row) { seen[row - rows.lowerBound] = false }
        let member = only.map(Set.init)
        for file in resultFiles {
            let reader = JSONLReader(source: try FileByteSource(path: file), path: file)
            while let line = try reader.next() {
                let parsed: ResultLine
                do {
                    let format = self.format
                    parsed = try line.bytes.withUnsafeBytes { (raw) throws(ResultLineError) in
                        try format.parseResult(raw)
                    }
                } catch {
                    continue  // a line with no usable custom_id belongs to no row; its row ends as result.missing
                }
                guard let (row, sent) = CustomID.parse(parsed.customID), rows.contains(row),
                    member?.contains(row) ?? true
                else { continue }
                seen[row - rows.lowerBound] = true
                switch parsed.outcome {
                case .failed(let failure):
                    try writer.append(row: row, attempts: sent, output: .failure(failure), raw: nil, usage: nil)
                case .response(let body):
                    let result = interpreter.interpret(body: body)
                    try writer.append(row: row, attempts: sent, output: result.output, raw: result.raw, usage: result.usage)
                }
            }
        }
        let unanswered = Self.unansweredFailure(snapshot)
        for (offset, wasSeen) in seen.enumerated() where !wasSeen {
            try writer.append(
                row: rows.lowerBound + offset, attempts: attempt, output: .failure(unanswered), raw: nil, usage: nil)
        }
        try writer.finish()
    }

    /// Why a row of this batch has no result line.
    static func unansweredFailure(_ snapshot: BatchSnapshot) -> RowFailure {
        switch snapshot.state {
        case .failed:
            let reasons = snapshot.errors.prefix(3).map { e in
                e.line.map { "line \($0): \(e.message)" } ?? e.message
            }
            return RowFailure(
                category: .permanent, code: "provider.batch_failed",
                message: "batch \(snapshot.id) failed validation: " + reasons.joined(separator: "; "))
        case .expired:
            return RowFailure(
                category: .transient, code: "provider.batch_expired",
                message: "batch \(snapshot.id) expired before this request ran")
        case .cancelled, .cancelling:
            return RowFailure(
                category: .transient, code: "provider.batch_cancelled",
                message: "batch \(snapshot.id) was cancelled before this request ran")
        default:
            return RowFailure(
                category: .transient, code: "result.missing",
                message: "batch \(snapshot.id) returned no result for this row")
        }
    }
}
