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
    let framing: ChunkFraming

    /// A stager for `spec`, packing chunks within the tighter of the spec's and the provider's limits.
    public init(
        spec: PipelineSpec, line: RequestLine, providerMaxBytes: Int, providerMaxRequests: Int,
        framing: ChunkFraming = .lines
    ) {
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
        stop: StopFlag? = nil, progress: (Int) -> Void = { _ in }
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
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 16)
        var failureLine: [UInt8] = []
        do {
            while let (row, failure) = try renderer.next(into: &buffer) {
                rows += 1
                if rows & 0xFFF == 0 {
                    if stop?.isRaised == true { throw StoppedEarly() }
                    if rows & 0x3FFF == 0 { progress(rows) }
                }
                guard let failure else {
                    try writer.append(buffer, row: row.row)
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
            let chunks = try writer.finish()
            progress(rows)
            return StagingResult(rowsIn: rows, chunks: chunks, failedRows: failed)
        } catch let error as RecordsError {
            // Reading problems arrive as DropRejection from the reader; a RecordsError here is a write failure.
            throw DropRejection(code: error.code, reason: "cannot write staging files: \(error.message)")
        }
    }
}
