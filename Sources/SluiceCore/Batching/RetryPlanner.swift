import SluiceJSON
import SluiceRecords

/// Plans a retry round: the rows whose last attempt failed for a retryable reason, sent again as new chunks.
///
/// A retry request is the row's staged request line with a new custom_id (`r<row>-<round>`), copied from the
/// staged chunk file: the source is not read again, and the request is byte for byte the one first sent
/// (so dedupe, cost and the provider see the same request). Blocking: run it on a thread of its own.
struct RetryPlanner {
    /// A chunk of the previous round: its outcome file says which of its rows failed and why.
    struct Previous {
        var outcomes: String
    }

    /// A staged (round 1) chunk: where the request lines of its rows are.
    struct Staged {
        var path: String
        var firstRow: Int
        var lastRow: Int
    }

    let maxBytes: Int
    let maxRequests: Int
    let framing: ChunkFraming
    /// `retry.repair`: a row whose answer was not valid goes again with that answer and why it failed.
    var repair = false

    /// How many attempts a row may still have: its outcomes so far, latest first, decide.
    struct Budget {
        /// `retry.max_attempts`: attempts that count.
        var maxAttempts: Int
        /// Rounds a row may wait out a full provider queue without spending an attempt.
        var maxQueueWaits: Int

        /// Whether a row with these outcomes (latest first) goes again: its latest failure is retryable, fewer
        /// than `maxAttempts` of its attempts counted (a full queue counts as none, up to `maxQueueWaits`).
        func allows(_ attempts: [RowOutcome]) -> Bool {
            guard case .failure(let latest)? = attempts.first?.output, latest.kind.retryable else { return false }
            let waits = attempts.filter { if case .failure(let f) = $0.output { !f.kind.spendsAttempt } else { false } }
            return attempts.count - waits.count < maxAttempts && waits.count <= maxQueueWaits
        }
    }

    /// Writes the round's chunks into `directory`, numbered from `firstSeq`; none when no row goes again.
    /// `layers` holds every earlier round's outcomes, so each candidate's spent attempts are known.
    func plan(
        round: Int, previous: [Previous], staged: [Staged], layers: inout OutcomeLayers, budget: Budget,
        directory: String, firstSeq: Int
    ) throws -> (chunks: [StagedChunk], onlyQueueFull: Bool, byKind: [String: Int]) {
        var (rows, repairs) = try Self.retryableRows(previous, repair: repair)
        var onlyQueueFull = true
        var byKind: [String: Int] = [:]
        rows = try rows.filter { row in
            let attempts = try layers.outcomes(row: row)
            guard budget.allows(attempts) else { return false }
            if case .failure(let f)? = attempts.first?.output {
                byKind[f.kind.rawValue, default: 0] += 1
                if f.kind != .queueFull { onlyQueueFull = false }
            }
            return true
        }
        repairs = repairs.filter { rows.contains($0.key) }
        guard !rows.isEmpty else { return ([], false, [:]) }
        let writer = ChunkWriter(
            directory: directory, maxBytes: maxBytes, maxRequests: maxRequests, framing: framing, firstSeq: firstSeq)
        var next = 0
        for chunk in staged where next < rows.count && rows[next] <= chunk.lastRow {
            guard rows.last! >= chunk.firstRow else { break }
            let reader = JSONLReader(source: try FileByteSource(path: chunk.path), path: chunk.path)
            while next < rows.count, rows[next] <= chunk.lastRow, let line = try reader.next() {
                guard let (row, bytes) = Self.requestLine(line.bytes) else { continue }
                while next < rows.count && rows[next] < row { next += 1 }  // not in this chunk: failed at staging
                guard next < rows.count, rows[next] == row else { continue }
                if let failed = repairs[row], let repaired = Self.repaired(bytes, row: row, round: round, after: failed) {
                    try writer.append(repaired, row: row)
                } else {
                    try writer.append(Self.renamed(bytes, row: row, round: round), row: row)
                }
                next += 1
            }
        }
        return (try writer.finish(), onlyQueueFull, byKind)
    }

    /// An answer the model gave that was not valid, to show it with its error in a repair retry.
    struct FailedAnswer {
        var raw: String
        var message: String
    }

    /// Kinds a repair retry helps with: the model answered, but not with what the schema asks.
    static let repairable: Set<FailureKind> = [.schema, .invalidJSON, .truncated]

    /// Rows whose latest outcome in these files is a retryable failure, ascending; with `repair`, the answers
    /// of those that failed validation.
    static func retryableRows(_ previous: [Previous], repair: Bool = false) throws
        -> (rows: [Int], repairs: [Int: FailedAnswer])
    {
        var rows: [Int] = []
        var repairs: [Int: FailedAnswer] = [:]
        for file in previous {
            var latest: [Int: RowOutcome] = [:]
            let reader = JSONLReader(source: try FileByteSource(path: file.outcomes), path: file.outcomes)
            while let line = try reader.next() {
                let outcome = try RowOutcome(json: try JSONParser.parse(line.bytes))
                latest[outcome.row] = outcome
            }
            for (row, outcome) in latest {
                guard case .failure(let failure) = outcome.output, failure.kind.retryable else { continue }
                rows.append(row)
                if repair, repairable.contains(failure.kind), let raw = outcome.raw {
                    repairs[row] = FailedAnswer(raw: raw, message: failure.message)
                }
            }
        }
        return (rows.sorted(), repairs)
    }

    /// The request with the failed answer and its error appended to the conversation (OpenAI `body.messages`,
    /// Anthropic `params.messages`) and the new custom_id; nil when the line has no messages to extend.
    static func repaired(_ line: ArraySlice<UInt8>, row: Int, round: Int, after failed: FailedAnswer) -> [UInt8]? {
        guard case .object(var request)? = try? JSONParser.parse(line) else { return nil }
        let container = request["body"] != nil ? "body" : "params"
        guard case .object(var inner)? = request[container], case .array(var messages)? = inner["messages"] else {
            return nil
        }
        messages.append(["role": "assistant", "content": .string(failed.raw)])
        messages.append([
            "role": "user",
            "content": .string(
                "That answer is not valid: \(failed.message). Answer again, with JSON that matches the schema exactly."),
        ])
        inner["messages"] = .array(messages)
        request[container] = .object(inner)
        request["custom_id"] = .string(CustomID.make(row: row, attempt: round))
        var out = JSONWriter.bytes(.object(request))
        out.append(0x0A)
        return out
    }

    /// The rows a retry chunk file holds, ascending (read back from its custom_ids).
    static func rows(inChunk path: String) throws -> [Int] {
        var rows: [Int] = []
        let reader = JSONLReader(source: try FileByteSource(path: path), path: path)
        while let line = try reader.next() {
            if let (row, _) = requestLine(line.bytes) { rows.append(row) }
        }
        return rows.sorted()
    }

    static let customIDPrefix = Array(#"{"custom_id":"r"#.utf8)

    /// A request line of a chunk file (without the framing's separator) and its row; nil for framing lines.
    static func requestLine(_ bytes: [UInt8]) -> (row: Int, line: ArraySlice<UInt8>)? {
        var line = bytes[...]
        if line.first == UInt8(ascii: ",") { line = line.dropFirst() }
        guard line.starts(with: customIDPrefix) else { return nil }
        var row = 0
        var index = line.startIndex + customIDPrefix.count
        while index < line.endIndex, (0x30...0x39).contains(line[index]) {
            row = row * 10 + Int(line[index] - 0x30)
            index += 1
        }
        return row > 0 ? (row, line) : nil
    }

    /// The line with its custom_id `r<row>[-n]` replaced by `r<row>-<round>`, newline-terminated.
    static func renamed(_ line: ArraySlice<UInt8>, row: Int, round: Int) -> [UInt8] {
        var out = Array(customIDPrefix)
        out.append(contentsOf: String(row).utf8)
        out.append(contentsOf: "-\(round)".utf8)
        var index = line.startIndex + customIDPrefix.count
        while index < line.endIndex && line[index] != UInt8(ascii: "\"") { index += 1 }  // skip the old id's rest
        out.append(contentsOf: line[index...])
        out.append(0x0A)
        return out
    }
}
