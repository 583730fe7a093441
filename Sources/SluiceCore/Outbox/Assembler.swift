import Foundation
import SluiceJSON
import SluiceRecords

/// What assembly wrote.
public struct AssemblyResult: Sendable {
    public var rowsIn = 0
    public var succeeded = 0
    public var failed = 0
    public var inputTokens = 0
    public var outputTokens = 0
    public var failuresByCategory: [String: Int] = [:]
    /// Failed rows per `FailureKind`.
    public var failuresByKind: [String: Int] = [:]
    /// Rows answered by a retry round (their latest outcome came from attempt 2 or later), and rows retried at all.
    public var retriedRows = 0
    public var rowsRecoveredByRetry = 0
    /// Rows that took the fate of an earlier row with the same request, and rows answered by the cache.
    public var deduped = 0
    public var cached = 0
    /// Rows whose fate a chunk's outcome file recorded (their requests were sent).
    public var answeredBySending = 0
    /// Attempts the provider answered with usage (what `inputTokens` and `outputTokens` sum).
    public var answersWithUsage = 0
    /// Committed outputs (file name inside the outbox folder, rows).
    public var outputs: [(name: String, rows: Int)] = []
    /// The chained file, sealed but not yet delivered; nil without a chain target.
    public var chained: ChainResult?
}

/// Writes a drop's enriched and failures files by re-reading the source in order and joining each row
/// with its fate: a staging failure, or the outcome its chunk recorded.
///
/// Every row read ends in exactly one of the two files; a row with no recorded fate becomes a
/// `result.missing` failure rather than vanishing, so `rows_in = enriched + failures` always holds.
public struct Assembler: Sendable {
    let spec: PipelineSpec
    let columns: OutputColumns
    let line: RequestLine

    /// The deflate level of a gzip enriched file: the fastest, what `gzip -1` does.
    static let enrichedGzipLevel: Int32 = 1

    /// An assembler for `spec`; `line` is the request layout (for its template fields).
    public init(spec: PipelineSpec, line: RequestLine) {
        self.spec = spec
        self.line = line
        columns = OutputColumns(spec: spec)
    }

    /// Assembles into `outbox` (temp files, committed only at the end). Blocking: run on a thread of its own.
    /// `chunks` pairs each chunk's row range and attempt round with its outcome file. With `answers`, every
    /// answer a chunk brought back is handed over with its request's key (for the result cache). With `chain`,
    /// the enriched rows its filter keeps are copied, byte for byte, into a sealed temp file in the next inbox.
    public func assemble(
        sourcePath: String, fileName: String, workDirectory: String,
        chunks: [(firstRow: Int, lastRow: Int, round: Int, outcomes: String)], outbox: String, stop: StopFlag? = nil,
        answers: (keying: RequestKeying, sink: (AnswerEntry) throws -> Void)? = nil, chain: ChainTarget? = nil
    ) throws -> AssemblyResult {
        let reader = try DropReader(path: sourcePath, fileName: fileName)
        let resolver = try FieldResolver(fields: line.fields, idColumn: spec.idColumn, reader: reader, fileName: fileName)
        let stem = DropFormat.stem(of: fileName)
        let enrichedName = stem + ".enriched." + reader.format.fileExtension + (reader.isGzip ? ".gz" : "")
        let failuresName = stem + ".failures.jsonl"
        // Level 1: deflate is most of assembly's CPU, and level 6 costs 2.3 times as much for a file ~1.5 times
        // smaller (10k tickets); the same bytes come out of the gzip either way. Written behind: deflate runs on
        // the other core while the join goes on.
        let enriched = try AtomicFile(
            finalPath: outbox + "/" + enrichedName, gzip: reader.isGzip, gzipLevel: Self.enrichedGzipLevel,
            writeBehind: reader.isGzip)
        let failures = try AtomicFile(finalPath: outbox + "/" + failuresName, gzip: false)
        let chained = try chain.map {
            try ChainWriter(target: $0, fileExtension: reader.format.fileExtension, gzip: reader.isGzip)
        }
        var committed = false
        defer {
            if !committed {
                enriched.abandon()
                failures.abandon()
                chained?.abandon()
            }
        }
        var result = AssemblyResult()
        var stagingFailures = try StagingFailureStream(path: workDirectory + "/" + Stager.failuresFileName)
        var layers = OutcomeLayers(
            chunks: chunks.map { (.init(firstRow: $0.firstRow, lastRow: $0.lastRow, outcomes: $0.outcomes), $0.round) })
        let referencesPath = workDirectory + "/" + RowReference.fileName
        var references = try RowReferenceStream(path: referencesPath)
        // Fates later rows take over (dedupe): the rows that make them, ascending, and the fates, on disk.
        let primaries = try RowReferenceStream.primaryRows(path: referencesPath)
        var nextPrimary = 0
        let held = try HeldFates(directory: workDirectory)
        var out: [UInt8] = []
        out.reserveCapacity(1 << 16)
        var rendered: [UInt8] = []
        var attempts: [LayerOutcome] = []

        if reader.format == .csv {
            for (i, name) in reader.header.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                CSVFormat.appendField(name, to: &out)
            }
            for name in columns.names {
                out.append(UInt8(ascii: ","))
                CSVFormat.appendField(name, to: &out)
            }
            out.append(contentsOf: CSVFormat.recordTerminator)
            try enriched.sink.write(out)
            try chained?.header(out)
        }

        while let row = try reader.next() {
            result.rowsIn += 1
            if result.rowsIn & 0xFFF == 0, stop?.isRaised == true { throw StoppedEarly() }
            let fate: RowFate
            var history: [LayerOutcome] = []
            if let failure = try stagingFailures.failure(for: row.row) {
                fate = .failed(failure, attempts: 0, raw: nil)
            } else if let reference = try references.reference(for: row.row) {
                switch reference {
                case .cached(let output):
                    fate = .enriched(output)
                    result.cached += 1
                case .sameAs(let primary):
                    result.deduped += 1
                    fate = Self.taken(from: primary, held: try held.fate(of: primary))
                }
            } else {
                try layers.outcomes(row: row.row, into: &attempts)
                if let outcome = attempts.first {
                    history = Array(attempts.dropFirst().reversed())
                    for attempt in attempts {
                        guard let usage = attempt.usage else { continue }
                        result.answersWithUsage += 1
                        result.inputTokens += usage.input
                        result.outputTokens += usage.output
                    }
                    if !history.isEmpty { result.retriedRows += 1 }
                    if outcome.shared { result.deduped += 1 } else { result.answeredBySending += 1 }
                    switch outcome {
                    case .answer(_, let text): fate = .answered(text)
                    case .parsed(let parsed):
                        switch parsed.output {
                        case .success(let value): fate = .enriched(value)
                        case .failure(let failure): fate = .failed(failure, attempts: parsed.attempts, raw: parsed.raw)
                        }
                    }
                    if fate.isEnriched {
                        if !history.isEmpty { result.rowsRecoveredByRetry += 1 }
                        if let answers, !outcome.shared {
                            rendered.removeAll(keepingCapacity: true)
                            let complete = line.render(customID: "", into: &rendered) { index, out in
                                resolver.appendEscaped(index, of: row, into: &out)
                            }
                            if complete {
                                try answers.sink(
                                    AnswerEntry(
                                        key: answers.keying.key(line: rendered[...]),
                                        output: try Self.answerText(fate, row: row.row),
                                        inputTokens: outcome.usage?.input ?? 0, outputTokens: outcome.usage?.output ?? 0))
                            }
                        }
                    }
                } else {
                    let missing = RowFailure(
                        category: .transient, code: "result.missing", message: "the provider returned no result for this row")
                    fate = .failed(missing, attempts: 0, raw: nil)
                }
            }
            while nextPrimary < primaries.count && primaries[nextPrimary] < row.row { nextPrimary += 1 }
            if nextPrimary < primaries.count && primaries[nextPrimary] == row.row {
                try held.keep(fate, row: row.row)
            }
            out.removeAll(keepingCapacity: true)
            switch fate {
            case .enriched(let output):
                appendEnriched(row, output: output, to: &out)
                try enriched.sink.write(out)
                try chained?.offer(out, output: output)
                result.succeeded += 1
            case .answered(let text):
                try appendEnriched(row, answer: text, to: &out)
                try enriched.sink.write(out)
                if let chained { try chained.offer(out, output: try RowFate.parse(text, row: row.row)) }
                result.succeeded += 1
            case .failed(let failure, let attempts, let raw):
                appendFailure(
                    row, failure: failure, attempts: attempts, raw: raw,
                    history: try history.map { try $0.parsedOutcome(row: row.row) }, resolver: resolver,
                    header: reader.header, to: &out)
                try failures.sink.write(out)
                result.failed += 1
                result.failuresByCategory[failure.category.rawValue, default: 0] += 1
                result.failuresByKind[failure.kind.rawValue, default: 0] += 1
            }
        }
        result.chained = try chained?.seal()
        try enriched.commit()
        result.outputs.append((enrichedName, result.succeeded))
        if result.failed > 0 {
            try failures.commit()
            result.outputs.append((failuresName, result.failed))
        } else {
            failures.abandon()
            // A failures file left by an earlier drop of the same name would contradict this manifest.
            unlink(outbox + "/" + failuresName)
        }
        committed = true
        return result
    }

    /// The fate of a row whose request `primary` made: the same answer, or the same failure saying so.
    private static func taken(from primary: Int, held: RowFate?) -> RowFate {
        switch held {
        case .enriched(let output)?:
            return .enriched(output)
        case .answered(let text)?:
            return .answered(text)
        case .failed(var failure, let attempts, let raw)?:
            failure.message += " (the same request as row \(primary), sent once)"
            return .failed(failure, attempts: attempts, raw: raw)
        case nil:
            let missing = RowFailure(
                category: .transient, code: "result.missing",
                message: "the same request as row \(primary), whose result is missing")
            return .failed(missing, attempts: 0, raw: nil)
        }
    }

    /// An enriched fate's answer as the compact JSON text the result cache keeps.
    private static func answerText(_ fate: RowFate, row: Int) throws -> String {
        switch fate {
        // The outcome file holds the writer's text, which is what writing its value again gives.
        case .answered(let text): return String(decoding: text, as: UTF8.self)
        case .enriched(let value): return JSONWriter.string(value)
        case .failed: preconditionFailure("a failed row has no answer")
        }
    }

    /// Appends an enriched row whose answer is text: cells copied from it, or rendered from its parsed value when
    /// the text is not in the layout `AnswerCells` reads.
    private func appendEnriched(_ row: SourceRow, answer text: [UInt8], to out: inout [UInt8]) throws {
        let start = out.count
        var rendered = false
        appendRecord(row, to: &out) { out, leadingComma in
            text.withUnsafeBytes { raw in
                rendered =
                    leadingComma == nil
                    ? columns.appendCSV(answer: raw, to: &out)
                    : columns.appendJSONMembers(answer: raw, leadingComma: leadingComma!, to: &out)
            }
        }
        if !rendered {
            out.removeSubrange(start...)
            appendEnriched(row, output: try RowFate.parse(text, row: row.row), to: &out)
        }
    }

    private func appendEnriched(_ row: SourceRow, output: JSONValue, to out: inout [UInt8]) {
        appendRecord(row, to: &out) { out, leadingComma in
            if let leadingComma {
                columns.appendJSONMembers(output, leadingComma: leadingComma, to: &out)
            } else {
                columns.appendCSV(output, to: &out)
            }
        }
    }

    /// Appends the row's original fields and, where the output goes, `cells` (given nil for a CSV record, or for
    /// a JSONL object whether a comma must precede the first member).
    private func appendRecord(
        _ row: SourceRow, to out: inout [UInt8], cells: (inout [UInt8], _ leadingComma: Bool?) -> Void
    ) {
        switch row {
        case .csv(let record):
            for i in 0..<record.fieldCount {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                record.withField(i) { CSVFormat.appendField($0, to: &out) }
            }
            cells(&out, nil)
            out.append(contentsOf: CSVFormat.recordTerminator)
        case .jsonl(let line, let parsed):
            // The original bytes stay as they were; output members go in before the closing brace.
            var end = line.bytes.count
            while end > 0, [0x20, 0x09, 0x0D, 0x0A].contains(line.bytes[end - 1]) { end -= 1 }
            out.append(contentsOf: line.bytes[0..<(end - 1)])
            let empty = (try? parsed.get().isEmpty) ?? false
            cells(&out, !empty)
            out.append(contentsOf: "}\n".utf8)
        }
    }

    /// A failures.jsonl line; `history` holds the row's earlier attempts, oldest first, when it was retried.
    private func appendFailure(
        _ row: SourceRow, failure: RowFailure, attempts: Int, raw: String?, history: [RowOutcome],
        resolver: FieldResolver, header: [String], to out: inout [UInt8]
    ) {
        var line: JSONObject = [
            "row": .int(row.row), "id": resolver.id(of: row), "record": Self.record(row, header: header),
            "error": failure.json, "attempts": .int(attempts), "raw": raw.map(JSONValue.string) ?? .null,
        ]
        if !history.isEmpty {
            line["history"] = .array(
                history.map { earlier in
                    var entry: JSONObject = ["attempt": .int(earlier.attempts)]
                    if case .failure(let f) = earlier.output {
                        entry["kind"] = .string(f.kind.rawValue)
                        entry["code"] = .string(f.code)
                        entry["message"] = .string(f.message)
                    }
                    if let raw = earlier.raw { entry["raw"] = .string(raw) }
                    return .object(entry)
                })
        }
        JSONWriter.write(.object(line), into: &out)
        out.append(UInt8(ascii: "\n"))
    }

    /// The record as JSON for a failure line: CSV fields by header name, a JSONL object as it was.
    static func record(_ row: SourceRow, header: [String]) -> JSONValue {
        switch row {
        case .csv(let record):
            var object = JSONObject()
            for i in 0..<record.fieldCount {
                let name = i < header.count ? header[i] : "_extra_\(i - header.count + 1)"
                object[name] = .string(record.string(i))
            }
            return .object(object)
        case .jsonl(_, .success(let object)):
            return .object(object.object)
        case .jsonl(let line, .failure):
            return .string(String(decoding: line.bytes, as: UTF8.self))
        }
    }
}

/// Reads `staging-failures.jsonl` forward, in row order, alongside the source.
struct StagingFailureStream {
    private let reader: JSONLReader
    private var pending: (row: Int, failure: RowFailure)?

    init(path: String) throws {
        reader = JSONLReader(source: try FileByteSource(path: path), path: path)
        pending = try Self.read(reader)
    }

    /// The staging failure of `row`, if it has one; rows must be asked for in increasing order.
    mutating func failure(for row: Int) throws -> RowFailure? {
        while let p = pending, p.row < row { pending = try Self.read(reader) }
        guard let p = pending, p.row == row else { return nil }
        pending = try Self.read(reader)
        return p.failure
    }

    private static func read(_ reader: JSONLReader) throws -> (Int, RowFailure)? {
        guard let line = try reader.next() else { return nil }
        let json = try JSONParser.parse(line.bytes)
        guard case .int(let row)? = json["row"], let error = json["error"], let failure = RowFailure(json: error) else {
            throw OutcomeFileError(message: "damaged staging failures file")
        }
        return (row, failure)
    }
}
