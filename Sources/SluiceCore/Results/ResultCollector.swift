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
    /// `chunkPath` (the staged chunk) maps the line numbers a failed batch's errors name to rows.
    func collect(
        resultFiles: [String], snapshot: BatchSnapshot, rows: ClosedRange<Int>, only: [Int]? = nil, attempt: Int = 1,
        chunkPath: String? = nil, into path: String
    ) throws {
        let writer = try OutcomeWriter(path: path)
        var seen = [Bool](repeating: only == nil ? false : true, count: rows.count)
        for row in only ?? [] where rows.contains(row) { seen[row - rows.lowerBound] = false }
        let member = only.map(Set.init)
        var answer: [UInt8] = []
        for file in resultFiles {
            let reader = JSONLReader(source: try FileByteSource(path: file), path: file)
            while let line = try reader.next() {
                answer.removeAll(keepingCapacity: true)
                guard let (customID, result) = read(line.bytes, answer: &answer) else {
                    continue  // a line with no usable custom_id belongs to no row; its row ends as result.missing
                }
                guard let (row, sent) = CustomID.parse(customID), rows.contains(row),
                    member?.contains(row) ?? true
                else { continue }
                seen[row - rows.lowerBound] = true
                let shared = CarriedRequests.isShared(line.bytes)
                switch result {
                case .valid(let usage):
                    try answer.withUnsafeBytes {
                        try writer.append(row: row, attempts: sent, answer: $0, usage: usage, shared: shared)
                    }
                case .interpreted(let result):
                    try writer.append(
                        row: row, attempts: sent, output: result.output, raw: result.raw, usage: result.usage,
                        shared: shared)
                }
            }
        }
        let unanswered = Self.unansweredFailure(snapshot)
        // A batch that failed validation names the lines at fault: only their rows are the request's fault.
        var blamed: [Int: BatchLevelError] = [:]
        if snapshot.state == .failed, unanswered.kind != .queueFull, snapshot.errors.contains(where: { $0.line != nil }),
            let chunkPath
        {
            let fileRows = try only ?? RetryPlanner.rows(inChunk: chunkPath)
            for error in snapshot.errors {
                if let line = error.line, line >= 1, line <= fileRows.count { blamed[fileRows[line - 1]] = error }
            }
        }
        let raw = Self.batchSummary(snapshot)
        for (offset, wasSeen) in seen.enumerated() where !wasSeen {
            let row = rows.lowerBound + offset
            var failure = unanswered
            if !blamed.isEmpty {
                if let error = blamed[row] {
                    failure = RowFailure(
                        category: .permanent, code: "provider.batch_failed",
                        message: "batch \(snapshot.id) failed validation on this request: \(error.message)")
                } else {
                    failure = RowFailure(
                        category: .transient, code: "provider.batch_failed_elsewhere",
                        message: "batch \(snapshot.id) failed validation on other requests; this one never ran")
                }
            }
            try writer.append(row: row, attempts: attempt, output: .failure(failure), raw: raw, usage: nil)
        }
        try writer.finish()
    }

    /// What a result line says of its request.
    private enum LineResult {
        /// A valid answer, whose compact text `read` left in its `answer` buffer.
        case valid(OutputInterpreter.Usage?)
        case interpreted(OutputInterpreter.Interpretation)
    }

    /// A result line's custom_id and result, or nil for a line that belongs to no request. The common successful
    /// chat line is read on its bytes (`OpenAIChatLine`) and its answer validated on its bytes when the schema
    /// allows (`OutputInterpreter.appendValidAnswer`); every other line is parsed.
    private func read(_ bytes: [UInt8], answer: inout [UInt8]) -> (String, LineResult)? {
        if interpreter.readsOpenAIChatLines && format == .openAIBatch,
            let chat = bytes.withUnsafeBytes({ OpenAIChatLine.read($0) })
        {
            if interpreter.appendValidAnswer(chat: chat, to: &answer) { return (chat.customID, .valid(chat.usage)) }
            return (chat.customID, .interpreted(interpreter.interpret(chat: chat)))
        }
        let parsed: ResultLine
        do {
            let format = self.format
            parsed = try bytes.withUnsafeBytes { (raw) throws(ResultLineError) in try format.parseResult(raw) }
        } catch {
            return nil
        }
        // A failure keeps the provider's own words for this request with the row.
        let interpretation = interpreter.interpret(parsed.outcome, line: String(decoding: bytes, as: UTF8.self))
        return (parsed.customID, .interpreted(interpretation))
    }

    /// What the provider said of the batch, kept as the raw payload of rows it returned nothing for.
    static func batchSummary(_ snapshot: BatchSnapshot) -> String {
        var object: JSONObject = ["batch": .string(snapshot.id), "status": .string(snapshot.providerStatus)]
        if !snapshot.errors.isEmpty {
            object["errors"] = .array(
                snapshot.errors.map { e in
                    var item: JSONObject = ["code": .string(e.code), "message": .string(e.message)]
                    if let line = e.line { item["line"] = .int(line) }
                    return .object(item)
                })
        }
        return JSONWriter.string(.object(object))
    }

    /// Why a row of this batch has no result line.
    static func unansweredFailure(_ snapshot: BatchSnapshot) -> RowFailure {
        switch snapshot.state {
        case .failed where snapshot.errors.contains { $0.code == "token_limit_exceeded" }:
            // The provider's queue was full (batch-api-wire.md §1.10): nothing wrong with the requests.
            return RowFailure(
                category: .transient, code: "provider.token_limit_exceeded",
                message: "batch \(snapshot.id) failed: "
                    + (snapshot.errors.first { $0.code == "token_limit_exceeded" }?.message ?? "enqueued token limit"))
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
