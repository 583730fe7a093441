import Foundation
import SluiceJSON
import SluiceRecords

/// What staging produced for one drop.
public struct StagingResult: Sendable {
    public var rowsIn: Int
    public var chunks: [StagedChunk]
    /// Rows that failed before any request was made (bad record, missing field, request too large).
    public var failedRows: Int
    /// Rows whose request an earlier row of the file already makes (sent once, answer fanned out).
    public var dedupedRows = 0
    /// Rows answered from the result cache.
    public var cachedRows = 0
}

/// How staging avoids sending a request twice: within the file, and against the result cache.
public struct StagingDedupe: Sendable {
    public var keying: RequestKeying
    /// Send each distinct request once per file.
    public var withinFile: Bool
    /// Where validated answers of earlier requests are looked up; nil: none.
    public var cache: (any AnswerLookup)?
    /// Cached answers older than this are not used (`cache.ttl`).
    public var notBefore: Date?

    /// Distinct requests the within-file table remembers (16 bytes of key and a 32-bit row each, 7 MB at the
    /// cap: `SeenRequests`). Past that, new requests are sent without being remembered: memory stays bounded,
    /// and only repeats of requests first seen after the cap are sent twice.
    public static let maxTrackedRequests = 1 << 18

    public init(keying: RequestKeying, withinFile: Bool, cache: (any AnswerLookup)?, notBefore: Date?) {
        self.keying = keying
        self.withinFile = withinFile
        self.cache = cache
        self.notBefore = notBefore
    }

    /// What `spec` asks for; `cache` nil when the cache is not to be consulted (`--reprocess`).
    public static func forSpec(_ spec: PipelineSpec, cache: (any AnswerLookup)?, now: Date = Date()) -> StagingDedupe? {
        let lookup = spec.cache.enabled ? cache : nil
        guard spec.dedupe || lookup != nil else { return nil }
        let notBefore = spec.cache.ttl.map { now.addingTimeInterval(-Double($0.components.seconds)) }
        return StagingDedupe(keying: RequestKeying(spec: spec), withinFile: spec.dedupe, cache: lookup, notBefore: notBefore)
    }
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
    let framing: ChunkFraming
    let dedupe: StagingDedupe?

    /// A stager for `spec`, packing chunks within the tighter of the spec's and the provider's limits.
    public init(
        spec: PipelineSpec, line: RequestLine, providerMaxBytes: Int, providerMaxRequests: Int,
        framing: ChunkFraming = .lines, dedupe: StagingDedupe? = nil
    ) {
        self.dedupe = dedupe
        self.spec = spec
        self.line = line
        self.framing = framing
        maxBytes = min(spec.batch.targetBytes, providerMaxBytes)
        maxRequests = min(spec.batch.maxRequests, providerMaxRequests)
    }

    /// The rows of `sourcePath` (dropped as `fileName`) rendered as this stager renders them, within its limits.
    public func renderer(sourcePath: String, fileName: String) throws(DropRejection) -> RowRenderer {
        try RowRenderer(
            sourcePath: sourcePath, fileName: fileName, line: line, idColumn: spec.idColumn, maxBytes: maxBytes,
            framing: framing)
    }

    /// A stager rendering `spec` in `wireFormat`'s line layout and framing: what `process`, `estimate` and
    /// `sample` all stage with.
    public init(
        spec: PipelineSpec, wireFormat: WireFormat, providerMaxBytes: Int, providerMaxRequests: Int,
        dedupe: StagingDedupe? = nil
    ) {
        self.init(
            spec: spec, line: wireFormat.requestLine(for: spec), providerMaxBytes: providerMaxBytes,
            providerMaxRequests: providerMaxRequests, framing: wireFormat.framing, dedupe: dedupe)
    }

    /// Name of the staging failures file inside a drop's work folder.
    public static let failuresFileName = "staging-failures.jsonl"

    /// Stages `sourcePath` (dropped as `fileName`) into `directory`. Blocking: run it on a thread of its own.
    ///
    /// Throws `DropRejection` when the file as a whole is unusable, including when it fails the structural
    /// check (gzip trailer, a CSV ending inside a quoted field, and with `requireFinalNewline` a JSONL file
    /// whose last line is unterminated): such a file is rejected, never half-processed. Throws
    /// `StoppedEarly` when `stop` is raised; the directory then holds partial chunks to be discarded.
    public func stage(
        sourcePath: String, fileName: String, directory: String, requireFinalNewline: Bool = false,
        stop: StopFlag? = nil, progress: (_ rows: Int, _ bytesRead: Int64) -> Void = { _, _ in }
    ) throws -> StagingResult {
        let renderer = try renderer(sourcePath: sourcePath, fileName: fileName)
        let writer = ChunkWriter(
            directory: directory, maxBytes: maxBytes, maxRequests: maxRequests, framing: framing,
            firstChunkRequests: spec.canary?.rows)
        let failures: FileSink
        do {
            failures = try FileSink(path: directory + "/" + Self.failuresFileName, gzip: false)
        } catch {
            throw DropRejection(code: error.code, reason: "cannot write staging files: \(error.message)")
        }
        var rows = 0
        var failed = 0
        var deduped = 0
        var cached = 0
        var references: RowReferenceWriter?
        if dedupe != nil {
            do {
                references = try RowReferenceWriter(path: directory + "/" + RowReference.fileName)
            } catch {
                throw DropRejection(code: error.code, reason: "cannot write staging files: \(error.message)")
            }
        }
        // An empty cache costs no lookups.
        let cache = try dedupe?.cache.flatMap { try $0.hasAnswers() ? $0 : nil }
        let counter = TokenCountingThread(line: line)
        var counted = false
        defer { if !counted { counter.stop() } }
        var seen = SeenRequests()
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 16)
        var failureLine: [UInt8] = []
        do {
            while let (row, failure) = try renderer.next(into: &buffer) {
                rows += 1
                if rows & 0xFFF == 0 {
                    if stop?.isRaised == true { throw StoppedEarly() }
                    if rows & 0x3FFF == 0 { progress(rows, renderer.reader.bytesConsumed) }
                }
                guard let failure else {
                    if let dedupe, let references {
                        let key = dedupe.keying.key(line: buffer[...])
                        let short = key.short
                        if dedupe.withinFile, let primary = seen.row(of: short) {
                            try references.sameAs(row: row.row, primary: primary)
                            deduped += 1
                            continue
                        }
                        if dedupe.withinFile { seen.remember(short, row: row.row) }
                        if let answer = try cache?.answer(for: key, notBefore: dedupe.notBefore) {
                            try references.cached(row: row.row, output: answer.output)
                            cached += 1
                            continue
                        }
                    }
                    try writer.append(buffer, row: row.row)
                    counter.add(buffer, templates: renderer.templates, chunk: writer.currentSeq)
                    continue
                }
                failed += 1
                failureLine.removeAll(keepingCapacity: true)
                failureLine.append(contentsOf: #"{"row":\#(row.row),"error":"#.utf8)
                JSONWriter.write(failure.json, into: &failureLine)
                failureLine.append(contentsOf: "}\n".utf8)
                try failures.write(failureLine)
            }
            try renderer.finish(rows: rows, requireFinalNewline: requireFinalNewline)
            try failures.finish()
            try references?.finish()
            var chunks = try writer.finish()
            let tokens = counter.finish()
            counted = true
            for i in chunks.indices { chunks[i].inputTokens = tokens[chunks[i].seq] ?? TokenSum() }
            progress(rows, renderer.reader.bytesConsumed)
            var result = StagingResult(rowsIn: rows, chunks: chunks, failedRows: failed)
            result.dedupedRows = deduped
            result.cachedRows = cached
            return result
        } catch let error as RecordsError {
            // Reading problems arrive as DropRejection from the reader; a RecordsError here is a write failure.
            throw DropRejection(code: error.code, reason: "cannot write staging files: \(error.message)")
        }
    }
}
