import Foundation
import Logging
import SluiceJSON
import SluiceRecords

/// Progress of one drop, for a progress line.
public enum DropProgress: Sendable {
    /// Rows rendered so far and the (decompressed) source bytes they came from.
    case staging(rows: Int, bytesRead: Int64)
    case staged(rows: Int, chunks: Int, failed: Int)
    /// Held before anything was sent: over budget (the reason names the figures and how to approve).
    case held(reason: String)
    case submitted(chunk: Int, of: Int, batchID: String)
    case polled(batches: [BatchSnapshot])
    case assembling
    case written(manifestPath: String)
    /// The chained file was renamed into the next pipeline's inbox (`then:`).
    case chained(path: String, rows: Int)
}

/// How a drop ended, read back from the state database.
public struct DropReport: Sendable {
    public var drop: DropRecord
    public var manifestPath: String
    /// Batches this drop paid for (none when its results came from an earlier drop of the same content).
    public var batches: Int
    public var rejected: Bool { drop.stage == .rejected }
    /// Why the drop is held for approval (stage `awaiting-approval`); nil when it is not.
    public var hold: String?
    public var held: Bool { drop.stage == .awaitingApproval }
}

/// Whether a drop may take its results from an earlier drop of the same content and spec.
public enum ReusePolicy: Sendable {
    /// Always send the rows (`sluice process --reprocess`).
    case never
    /// Reuse a finished twin's results. (A twin still in flight is not waited for here: the daemon holds
    /// such a drop back until its twin is done, outside any concurrency limit, so it cannot deadlock.)
    case finished
}

/// What every drop a process works on shares.
public struct DropEnvironment: Sendable {
    public var provider: any BatchProvider
    public var store: StateStore
    public var paths: SluicePaths
    public var clock: any Clock<Duration>
    public var limits: TransferLimits
    public var logger: Logger
    /// Wall-clock time, for the UTC day a file's spending counts against (tests move it across midnight).
    public var wallClock: @Sendable () -> Date = { Date() }

    public init(
        provider: any BatchProvider, store: StateStore, paths: SluicePaths, clock: any Clock<Duration> = ContinuousClock(),
        limits: TransferLimits = TransferLimits(), logger: Logger
    ) {
        self.provider = provider
        self.store = store
        self.paths = paths
        self.clock = clock
        self.limits = limits
        self.logger = logger
    }
}

/// Drives one drop from its recorded stage to `archived` (or `rejected`), one stage at a time.
///
/// Every stage's work is idempotent and its end is one transaction, so running a job for a drop that a
/// crash interrupted redoes at most the interrupted stage: staging starts over, intents are reconciled with
/// the provider before anything is created again, batches at the provider are polled rather than resent,
/// outputs are rewritten atomically. Cancellation (SIGTERM) stops at the next safe point and leaves the
/// drop at its last recorded stage.
public struct DropJob: Sendable {
    public let dropID: Int64
    public let spec: PipelineSpec
    public let environment: DropEnvironment
    public let reuse: ReusePolicy
    public let progress: @Sendable (DropProgress) -> Void
    let log: Logger

    var provider: any BatchProvider { environment.provider }
    var store: StateStore { environment.store }
    var paths: SluicePaths { environment.paths }

    public init(
        dropID: Int64, spec: PipelineSpec, environment: DropEnvironment, reuse: ReusePolicy,
        progress: @escaping @Sendable (DropProgress) -> Void = { _ in }
    ) {
        self.dropID = dropID
        self.spec = spec
        self.environment = environment
        self.reuse = reuse
        self.progress = progress
        var log = environment.logger
        log[metadataKey: "pipeline"] = "\(spec.name)"
        log[metadataKey: "drop"] = "\(dropID)"
        self.log = log
    }

    /// Runs the drop to its end, or until it is held for approval or waits in its collection, and reports it.
    public func run() async throws -> DropReport {
        while true {
            while try await step() {}
            let drop = try await current()
            // Approved (by another process) between the hold and now: it goes on rather than waiting for nothing.
            if drop.isDone || drop.stage == .awaitingApproval || drop.stage == .collecting {
                return try await report(drop)
            }
        }
    }

    /// Does the work of the drop's current stage; false when there is none left.
    public func step() async throws -> Bool {
        try Task.checkCancellation()
        let drop = try await current()
        if drop.isDone { return false }
        // `sluice cancel` and `sluice retry` (Engine/DropJob+Cancel.swift, DropJob+RetryFile.swift).
        if try await cancelBeforeSending(drop) { return true }
        if try await prepareRetryIfRequested(drop) { return true }
        switch drop.stage {
        case .claimed: try await stageOrReuse(drop)
        case .staged, .submitting:
            guard try await budgetAllows(drop) else { return false }
            // Judged against the budget first: a collected file's spending is its own.
            if drop.stage == .staged, try await entersCollection(drop) { return true }
            try await submitAll(drop)
        case .collecting: return false  // the collection's job moves it on
        case .awaitingApproval: return try await budgetAllows(drop)
        case .submitted: try await collect(drop)
        case .downloaded: try await write(drop)
        case .written, .rejected: try await archive(drop)
        case .archived: return false
        }
        return true
    }

    func current() async throws -> DropRecord {
        guard let drop = try await store.drop(id: dropID) else {
            throw EngineError(code: "state.drop_missing", message: "drop \(dropID) is not in the state database")
        }
        return drop
    }

    private func report(_ drop: DropRecord) async throws -> DropReport {
        let batches = try await store.progress(dropID: dropID).filter { $0.batch?.providerBatchID != nil }.count
        var report = DropReport(drop: drop, manifestPath: drop.manifestPath ?? "", batches: batches)
        if report.held { report.hold = try await store.dropSpend(dropID: dropID)?.hold }
        return report
    }

    // MARK: claimed → staged (or → downloaded with a twin's results, or → rejected)

    private func stageOrReuse(_ drop: DropRecord) async throws {
        if drop.origin == .collection {
            try await combine(drop)
            return
        }
        if drop.origin == .inbox && FileObservation.isSymbolicLink(drop.sourcePath) {
            // A link in a shared inbox may point anywhere (another team's data, /etc); only files dropped count.
            try await reject(
                drop,
                DropRejection(
                    code: "drop.symbolic_link",
                    reason: "\(drop.sourceName): a symbolic link; Sluice claims only regular files from an inbox "
                        + "(copy or move the file itself there)"))
            return
        }
        if reuse == .finished, let twin = try await store.twin(of: drop), twin.stage == .archived {
            log.info("same content as an earlier drop: reusing its results", metadata: ["twin": "\(twin.id!)"])
            try await store.updateDrop(id: dropID) {
                $0.sameAs = twin.id
                $0.rowsIn = twin.rowsIn
                $0.resultsDir = twin.resultsDir
                $0.stage = .downloaded
            }
            return
        }
        let work = paths.dropWork(dropID)
        // A crash during staging leaves partial chunks: staging always starts from an empty folder.
        try? FileManager.default.removeItem(atPath: work)
        try SluicePaths.ensureDirectory(work)
        try await store.updateDrop(id: dropID) { $0.resultsDir = work }
        let format = provider.wireFormat
        // `--reprocess` sends every row again: it skips the cache, but a file's repeats still go once.
        let stager = Stager(
            spec: spec, wireFormat: format, providerMaxBytes: provider.maxBytesPerBatch,
            providerMaxRequests: provider.maxRequestsPerBatch,
            dedupe: StagingDedupe.forSpec(spec, cache: reuse == .never ? nil : store))
        let staging: StagingResult
        do {
            let progress = self.progress
            let strict = drop.origin == .inbox
            staging = try await Blocking.run("sluice-stage", stoppable: { stop in
                try stager.stage(
                    sourcePath: drop.sourcePath, fileName: drop.sourceName, directory: work, requireFinalNewline: strict,
                    stop: stop
                ) { progress(.staging(rows: $0, bytesRead: $1)) }
            })
        } catch let rejection as DropRejection {
            try await reject(drop, rejection)
            return
        }
        progress(.staged(rows: staging.rowsIn, chunks: staging.chunks.count, failed: staging.failedRows))
        log.event(
            .staged,
            [
                "rows": "\(staging.rowsIn)", "chunks": "\(staging.chunks.count)", "failed": "\(staging.failedRows)",
                "deduped": "\(staging.dedupedRows)", "cached": "\(staging.cachedRows)",
            ])
        _ = try await store.recordStaged(
            dropID: dropID, rowsIn: staging.rowsIn,
            chunks: staging.chunks.map {
                var chunk = ChunkRecord(
                    dropID: dropID, seq: $0.seq, path: $0.path, requests: $0.requests, bytes: $0.bytes,
                    firstRow: $0.firstRow, lastRow: $0.lastRow)
                chunk.inputTokens = $0.inputTokens?.tokens
                return chunk
            })
    }

    /// Writes a `rejected` manifest; the source is archived with the reason next.
    func reject(_ drop: DropRecord, _ rejection: DropRejection) async throws {
        log.event(.rejected, level: .warning, ["code": "\(rejection.code)", "reason": "\(rejection.reason)"])
        var manifest = Manifest(
            pipeline: spec.name, status: "rejected", specSHA256: drop.specSHA256, sourceName: drop.sourceName,
            sourceBytes: drop.bytes, sourceSHA256: drop.sha256, rowsIn: 0, receivedAt: drop.receivedAt)
        manifest.reason = rejection.reason
        try await settleRejected(drop, into: &manifest)
        let path = try await writeManifest(&manifest, fileName: drop.sourceName)
        let writtenAt = manifest.writtenAt
        try await store.updateDrop(id: dropID, notifying: notifications(for: manifest, path: path, drop: drop)) {
            $0.stage = .rejected
            $0.reason = rejection.reason
            $0.manifestPath = path
            $0.writtenAt = writtenAt
            $0.rowsIn = 0
            $0.succeeded = 0
            $0.failed = 0
        }
        progress(.written(manifestPath: path))
    }

    /// Writes the manifest atomically into the outbox (after every other output) and returns its path.
    func writeManifest(_ manifest: inout Manifest, fileName: String) async throws -> String {
        manifest.writtenAt = Date()
        let outbox = paths.outbox(spec.name)
        try SluicePaths.ensureDirectory(outbox)
        Self.removeStaleTemporaries(in: outbox, fileName: fileName)
        let path = outbox + "/" + DropFormat.stem(of: fileName) + ".manifest.json"
        let bytes = JSONWriter.bytes(manifest.json) + [0x0A]
        try await Blocking.run("sluice-manifest") {
            let file = try AtomicFile(finalPath: path, gzip: false)
            try file.sink.write(bytes)
            try file.commit()
        }
        return path
    }
}

/// An engine failure that is not about the input file: state, filesystem, a provider that keeps refusing.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
