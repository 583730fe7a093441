import Foundation
import Logging
import SluiceJSON
import SluiceRecords

/// How a processed drop ended.
public struct DropReport: Sendable {
    public var manifestPath: String
    public var manifest: Manifest
    public var rejected: Bool { manifest.status == "rejected" }
}

/// Progress of one drop, for a progress line.
public enum DropProgress: Sendable {
    case staging(rows: Int)
    case staged(rows: Int, chunks: Int, failed: Int)
    case submitted(chunk: Int, of: Int, batchID: String)
    case polled(batches: [BatchSnapshot])
    case assembling
    case written(Manifest)
}

/// Takes one file from its source to its manifest: hash, stage, submit, poll, download, validate, write.
///
/// Each stage is recorded in the state database; the intent to submit a chunk is recorded before the
/// provider is called, so a later restart can tell a batch that may exist from one that surely does not.
public struct DropProcessor: Sendable {
    public let spec: PipelineSpec
    public let provider: any BatchProvider
    public let store: StateStore
    public let paths: SluicePaths
    public let clock: any Clock<Duration>
    public let logger: Logger
    public let progress: @Sendable (DropProgress) -> Void

    public init(
        spec: PipelineSpec, provider: any BatchProvider, store: StateStore, paths: SluicePaths,
        clock: any Clock<Duration> = ContinuousClock(), logger: Logger,
        progress: @escaping @Sendable (DropProgress) -> Void = { _ in }
    ) {
        self.spec = spec
        self.provider = provider
        self.store = store
        self.paths = paths
        self.clock = clock
        self.logger = logger
        self.progress = progress
    }

    /// Processes the file at `sourcePath`, which was dropped as `fileName`.
    public func process(sourcePath: String, fileName: String) async throws -> DropReport {
        let received = Date()
        let (sha, bytes) = try await Blocking.run("sluice-hash") { try FileDigest.sha256(path: sourcePath) }
        let drop = try await store.insertDrop(
            DropRecord(
                id: nil, pipeline: spec.name, sourceName: fileName, sourcePath: sourcePath, sha256: sha, bytes: bytes,
                stage: .claimed, specSHA256: spec.sha256, receivedAt: received))
        let dropID = drop.id!
        var log = logger
        log[metadataKey: "pipeline"] = "\(spec.name)"
        log[metadataKey: "file"] = "\(fileName)"
        log[metadataKey: "drop"] = "\(dropID)"
        let work = paths.dropWork(dropID)
        let outbox = paths.outbox(spec.name)
        try SluicePaths.ensureDirectory(work)
        try SluicePaths.ensureDirectory(outbox)

        var manifest = Manifest(
            pipeline: spec.name, status: "complete", specSHA256: spec.sha256, sourceName: fileName,
            sourceBytes: bytes, sourceSHA256: sha, rowsIn: 0, receivedAt: received)

        let line = OpenAIRequestFormat.line(for: spec)
        let stager = Stager(
            spec: spec, line: line, providerMaxBytes: provider.maxBytesPerBatch,
            providerMaxRequests: provider.maxRequestsPerBatch)
        let staging: StagingResult
        do {
            let progress = self.progress
            staging = try await Blocking.run("sluice-stage") {
                try stager.stage(sourcePath: sourcePath, fileName: fileName, directory: work) {
                    progress(.staging(rows: $0))
                }
            }
        } catch let rejection as DropRejection {
            log.warning("rejected", metadata: ["code": "\(rejection.code)", "reason": "\(rejection.reason)"])
            manifest.status = "rejected"
            manifest.reason = rejection.reason
            try await store.updateDrop(id: dropID) {
                $0.stage = .rejected
                $0.reason = rejection.reason
            }
            return try await finish(manifest: manifest, dropID: dropID, outbox: outbox, fileName: fileName)
        }
        progress(.staged(rows: staging.rowsIn, chunks: staging.chunks.count, failed: staging.failedRows))
        log.info(
            "staged", metadata: ["rows": "\(staging.rowsIn)", "chunks": "\(staging.chunks.count)",
                "failed": "\(staging.failedRows)"])
        let chunks = try await store.recordStaged(
            dropID: dropID, rowsIn: staging.rowsIn,
            chunks: staging.chunks.map {
                ChunkRecord(
                    id: nil, dropID: dropID, seq: $0.seq, path: $0.path, requests: $0.requests, bytes: $0.bytes,
                    firstRow: $0.firstRow, lastRow: $0.lastRow)
            })

        var batches: [BatchRecord] = []
        for chunk in chunks {
            batches.append(try await submit(chunk, of: chunks.count, dropID: dropID, logger: log))
        }
        let submittedAt = Date()
        manifest.submittedAt = submittedAt
        try await store.updateDrop(id: dropID) {
            $0.stage = .submitted
            $0.submittedAt = submittedAt
        }

        let watcher = BatchWatcher(provider: provider, clock: clock, initial: spec.batch.pollInitial, max: spec.batch.pollMax)
        let finals = try await watcher.waitForAll(batches.map { $0.providerBatchID! }) { snapshots in
            progress(.polled(batches: snapshots))
        }
        let completedAt = Date()
        manifest.completedAt = completedAt

        var outcomeFiles: [(firstRow: Int, lastRow: Int, outcomes: String)] = []
        for (index, chunk) in chunks.enumerated() {
            var batch = batches[index]
            let snapshot = finals[index]
            let directory = work + "/batch-\(chunk.seq)"
            try SluicePaths.ensureDirectory(directory)
            let files = try await provider.downloadResults(of: snapshot, into: directory)
            if let input = batch.inputFileID { await provider.deleteFile(id: input) }
            batch.state = snapshot.state.rawValue
            batch.providerStatus = snapshot.providerStatus
            batch.total = snapshot.total
            batch.succeeded = snapshot.succeeded
            batch.failed = snapshot.failed
            batch.resultPaths = files.joined(separator: "\n")
            batch.updatedAt = Date()
            try await store.saveBatch(batch)
            let outcomesPath = directory + "/outcomes.jsonl"
            let interpreter = OutputInterpreter(spec: spec)
            try await Blocking.run("sluice-results") {
                try ResultCollector(interpreter: interpreter).collect(
                    resultFiles: files, snapshot: snapshot, rows: chunk.firstRow...chunk.lastRow, into: outcomesPath)
            }
            outcomeFiles.append((chunk.firstRow, chunk.lastRow, outcomesPath))
            manifest.batches.append(
                .init(provider: provider.name, id: snapshot.id, status: snapshot.providerStatus, requests: chunk.requests))
        }
        try await store.updateDrop(id: dropID) {
            $0.stage = .downloaded
            $0.completedAt = completedAt
        }

        progress(.assembling)
        let assembler = Assembler(spec: spec, line: line)
        let files = outcomeFiles
        let assembled = try await Blocking.run("sluice-assemble") {
            try assembler.assemble(
                sourcePath: sourcePath, fileName: fileName, workDirectory: work, chunks: files, outbox: outbox)
        }
        manifest.rowsIn = assembled.rowsIn
        manifest.succeeded = assembled.succeeded
        manifest.failed = assembled.failed
        manifest.inputTokens = assembled.inputTokens
        manifest.outputTokens = assembled.outputTokens
        manifest.failuresByCategory = assembled.failuresByCategory
        for output in assembled.outputs {
            let digest = try FileDigest.sha256(path: outbox + "/" + output.name)
            manifest.outputs.append(.init(path: output.name, rows: output.rows, sha256: digest.hex))
        }
        return try await finish(manifest: manifest, dropID: dropID, outbox: outbox, fileName: fileName)
    }

    private func submit(_ chunk: ChunkRecord, of count: Int, dropID: Int64, logger: Logger) async throws -> BatchRecord {
        var batch = try await store.recordIntent(chunkID: chunk.id!, provider: provider.name, now: Date())
        let metadata = [
            "sluice_pipeline": spec.name, "sluice_drop": String(dropID), "sluice_chunk": "\(dropID)-\(chunk.seq)",
        ]
        let submitted = try await provider.submit(
            chunkPath: chunk.path, endpoint: spec.endpoint, completionWindow: spec.batch.completionWindow,
            metadata: metadata)
        batch.providerBatchID = submitted.id
        batch.inputFileID = submitted.inputFileID
        batch.state = submitted.snapshot.state.rawValue
        batch.providerStatus = submitted.snapshot.providerStatus
        batch.updatedAt = Date()
        try await store.saveBatch(batch)
        logger.info("submitted", metadata: ["chunk": "\(chunk.seq)", "batch": "\(submitted.id)", "requests": "\(chunk.requests)"])
        progress(.submitted(chunk: chunk.seq, of: count, batchID: submitted.id))
        return batch
    }

    private func finish(manifest: Manifest, dropID: Int64, outbox: String, fileName: String) async throws -> DropReport {
        var manifest = manifest
        manifest.writtenAt = Date()
        let path = outbox + "/" + DropFormat.stem(of: fileName) + ".manifest.json"
        let bytes = JSONWriter.bytes(manifest.json) + [0x0A]
        try await Blocking.run("sluice-manifest") {
            let file = try AtomicFile(finalPath: path, gzip: false)
            try file.sink.write(bytes)
            try file.commit()
        }
        let rejected = manifest.status == "rejected"
        let writtenAt = manifest.writtenAt
        try await store.updateDrop(id: dropID) {
            $0.stage = rejected ? .rejected : .written
            $0.writtenAt = writtenAt
        }
        progress(.written(manifest))
        return DropReport(manifestPath: path, manifest: manifest)
    }
}
