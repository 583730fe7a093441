import Foundation
import Logging
import SluiceJSON
import SluiceRecords

extension DropJob {
    // MARK: archived → (sluice retry) staged: one more round of the failed rows, then a new manifest generation

    /// Plans a `sluice retry` of this finished drop, when one waits: true when it did.
    ///
    /// The drop keeps everything it had: its chunks, batches and outcome files stay, and the retry is one more
    /// round on top of them (`OutcomeLayers`: a row's latest outcome wins), so assembly writes the earlier
    /// answers and the new ones together, in input order, with the invariant intact. The outcome files come back
    /// from the archive into the work folder (moves: repeatable after a crash), and the round's requests are
    /// rendered again from the archived source with the spec stored with the drop, so each is byte for byte the
    /// request first sent but for its custom_id (`r<row>-<round>`).
    func prepareRetryIfRequested(_ drop: DropRecord) async throws -> Bool {
        guard drop.stage == .staged, let request = try await store.pendingRetry(dropID: dropID) else { return false }
        let work = paths.dropWork(dropID)
        try SluicePaths.ensureDirectory(work)
        let items = try await store.progress(dropID: dropID)
        if let archived = drop.resultsDir, archived != work {
            let names =
                [Stager.failuresFileName, RowReference.fileName]
                + items.map { ChunkRecord.outcomesName(seq: $0.chunk.seq) }
            for name in names {
                let (from, to) = (archived + "/" + name, work + "/" + name)
                if FileManager.default.fileExists(atPath: from) && !FileManager.default.fileExists(atPath: to) {
                    try Self.move(from, to: to)
                }
            }
        }
        guard FileManager.default.fileExists(atPath: drop.sourcePath) else {
            throw EngineError(
                code: "control.source_missing",
                message: "the archived source of drop \(dropID) (\(drop.sourcePath)) is gone: it cannot be retried")
        }
        let round = (items.map(\.chunk.round).max() ?? 1) + 1
        let firstSeq = (items.map(\.chunk.seq).max() ?? 0) + 1
        let spans = RetrySelection.spans(items.map(\.chunk), directory: work)
        let categories = request.categorySet
        let format = provider.wireFormat
        let stager = Stager(
            spec: spec, wireFormat: format, providerMaxBytes: provider.maxBytesPerBatch,
            providerMaxRequests: provider.maxRequestsPerBatch)
        let (maxBytes, maxRequests) = (
            min(spec.batch.targetBytes, provider.maxBytesPerBatch),
            min(spec.batch.maxRequests, provider.maxRequestsPerBatch)
        )
        let (sourcePath, sourceName) = (drop.sourcePath, drop.sourceName)
        let planned = try await Blocking.run("sluice-retry-file") { () throws -> [StagedChunk] in
            let rows = try RetrySelection.rows(spans: spans, categories: categories).rows
            guard let last = rows.last else { return [] }
            let wanted = Set(rows)
            let writer = ChunkWriter(
                directory: work, maxBytes: maxBytes, maxRequests: maxRequests, framing: format.framing,
                firstSeq: firstSeq)
            let renderer = try stager.renderer(sourcePath: sourcePath, fileName: sourceName)
            var buffer: [UInt8] = []
            while let (row, failure) = try renderer.next(into: &buffer) {
                if row.row > last { break }
                guard failure == nil, wanted.contains(row.row) else { continue }
                var line = buffer[...]
                while line.last == 0x0A { line = line.dropLast() }
                try writer.append(RetryPlanner.renamed(line, row: row.row, round: round), row: row.row)
            }
            return try writer.finish()
        }
        let records = planned.map {
            ChunkRecord(
                dropID: dropID, seq: $0.seq, path: $0.path, requests: $0.requests, bytes: $0.bytes,
                firstRow: $0.firstRow, lastRow: $0.lastRow, round: round)
        }
        let rows = planned.reduce(0) { $0 + $1.requests }
        try await store.recordRetryPlanned(request: request, chunks: records, rows: rows, resultsDir: work, now: Date())
        log.notice(
            "retrying a finished file's failed rows (`sluice retry`)",
            metadata: [
                "rows": "\(rows)", "categories": "\(request.categories)", "round": "\(round)",
                "generation": "\(request.generation)",
            ])
        return true
    }

    /// Before a retried file's outputs are rewritten: its old manifest goes first, so no reader pairs it with the
    /// new outputs (the new manifest, written last, says the generation is complete).
    func retireManifest(_ drop: DropRecord) async throws -> RetryRequest? {
        guard let retry = try await store.latestRetry(dropID: dropID) else { return nil }
        if let path = drop.manifestPath, let written = drop.writtenAt, let prepared = retry.preparedAt,
            written < prepared,
            unlink(path) == 0
        {
            let folder = (path as NSString).deletingLastPathComponent
            let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if fd >= 0 {
                fsync(fd)
                close(fd)
            }
        }
        return retry
    }
}
