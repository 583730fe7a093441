import Foundation
import Logging
import SluiceCore
import SluiceHTTP
import SluiceJSON

/// Realtime fan-out as a `BatchProvider`: for self-hosted OpenAI-compatible servers (vLLM, llama.cpp,
/// Ollama) and urgent small jobs. A "batch" is a local job sending the chunk's requests one by one to
/// `POST {base_url}/chat/completions` or `/embeddings` within the spec's concurrency and rate limits; its
/// results land in `.sluice/realtime/<id>/results.jsonl` as OpenAI batch output lines, row by row, so the
/// engine treats it like any batch and a crash resumes where it stopped.
public final class RealtimeProvider: BatchProvider {
    public let name: String
    public let wireFormat = WireFormat.openAIBatch
    public let uploadsInput = false
    /// Bounded by the staged chunk; a realtime job has no provider-side size limit.
    public let maxRequestsPerBatch = RealtimeProvider.limits.requests
    public let maxBytesPerBatch = RealtimeProvider.limits.bytes
    /// The limits above, known without a provider (`sluice estimate`).
    public static let limits = BatchLimits(requests: 50_000, bytes: 200_000_000)

    let baseURL: String
    let apiKey: String?
    let client: HTTPClient
    let settings: RealtimeSettings
    let directory: String
    let logger: Logger
    let gate: RateGate
    private let jobs = RealtimeJobs()

    /// A provider sending to `baseURL` (e.g. `http://127.0.0.1:8000/v1`), keeping jobs under `directory`.
    public init(
        name: String = "realtime", baseURL: String, apiKey: String?, settings: RealtimeSettings, directory: String,
        client: HTTPClient = HTTPClient(), logger: Logger
    ) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.name = name
        self.baseURL = base
        self.apiKey = apiKey
        self.settings = settings
        self.directory = directory
        self.client = client
        self.logger = logger
        // One gate per provider: every pipeline sending to this server shares its limits.
        gate = RateGate(requestsPerMinute: settings.requestsPerMinute, tokensPerMinute: settings.tokensPerMinute)
    }

    public func upload(chunkPath: String, name: String) async throws -> String {
        throw ProviderError(code: "realtime.no_upload", message: "realtime jobs read the chunk in place", retryable: false)
    }

    public func createBatch(
        input: BatchInput, endpoint: Endpoint, completionWindow: String, metadata: [String: String]
    ) async throws -> SubmittedBatch {
        guard case .chunkFile(let path) = input else {
            throw ProviderError(code: "realtime.input", message: "realtime jobs need the chunk file", retryable: false)
        }
        // The id comes from the chunk's tag, so a crash between this call and its record finds the same job.
        let id = "rt-" + (metadata["sluice_chunk"] ?? UUID().uuidString.lowercased())
        let jobDirectory = directory + "/" + id
        try SluicePaths.ensureDirectory(jobDirectory)
        let total = try await Blocking.run("sluice-realtime-count") { try Self.countLines(path) }
        let job = RealtimeJobFile(chunkPath: path, total: total)
        let data = try JSONEncoder().encode(job)
        try data.write(to: URL(fileURLWithPath: jobDirectory + "/job.json"), options: .atomic)
        try await start(id)
        return SubmittedBatch(id: id, inputFileID: nil, snapshot: try await snapshot(batchID: id))
    }

    public func findBatch(
        metadataKey key: String, value: String, requests: Int, createdSince since: Date, known: Set<String>
    ) async throws -> SubmittedBatch? {
        let id = "rt-" + value
        guard FileManager.default.fileExists(atPath: directory + "/" + id + "/job.json") else { return nil }
        return SubmittedBatch(id: id, inputFileID: nil, snapshot: try await snapshot(batchID: id))
    }

    public func findUploads(namePrefix prefix: String, createdSince since: Date) async throws -> [String] { [] }

    public func snapshot(batchID id: String) async throws -> BatchSnapshot {
        let jobDirectory = directory + "/" + id
        guard let data = FileManager.default.contents(atPath: jobDirectory + "/job.json"),
            let job = try? JSONDecoder().decode(RealtimeJobFile.self, from: data)
        else {
            throw ProviderError(code: "realtime.not_found", message: "no realtime job \(id)", httpStatus: 404, retryable: false)
        }
        if FileManager.default.fileExists(atPath: jobDirectory + "/cancelled") {
            return BatchSnapshot(id: id, state: .cancelled, providerStatus: "cancelled", total: job.total, resultFileIDs: [id])
        }
        if FileManager.default.fileExists(atPath: jobDirectory + "/done") {
            return BatchSnapshot(id: id, state: .completed, providerStatus: "completed", total: job.total, resultFileIDs: [id])
        }
        // Not running here (the process that started it stopped): resume it.
        let counts = try await start(id)
        return BatchSnapshot(
            id: id, state: .inProgress, providerStatus: "in_progress", total: job.total,
            succeeded: await counts.finished, failed: 0)
    }

    public func downloadResults(of snapshot: BatchSnapshot, into directory: String) async throws -> [String] {
        let path = self.directory + "/" + snapshot.id + "/results.jsonl"
        return FileManager.default.fileExists(atPath: path) ? [path] : []
    }

    public func cancel(batchID id: String) async throws -> BatchSnapshot {
        await jobs.cancel(id)
        _ = FileManager.default.createFile(atPath: directory + "/" + id + "/cancelled", contents: nil)
        return try await snapshot(batchID: id)
    }

    /// Removes a finished job's folder (the engine calls this for its result "files" after archiving).
    public func deleteFile(id: String) async {
        guard id.hasPrefix("rt-"), await !jobs.isRunning(id) else { return }
        try? FileManager.default.removeItem(atPath: directory + "/" + id)
    }

    /// Stops every job this provider runs (shutdown); their results so far stay, and a later poll resumes them.
    public func stopAll() async {
        await jobs.cancelAll()
    }

    /// Starts the job unless it runs already; returns its counts.
    @discardableResult
    private func start(_ id: String) async throws -> RealtimeCounts {
        let jobDirectory = directory + "/" + id
        guard let data = FileManager.default.contents(atPath: jobDirectory + "/job.json") else {
            throw ProviderError(code: "realtime.not_found", message: "no realtime job \(id)", retryable: false)
        }
        let file = try JSONDecoder().decode(RealtimeJobFile.self, from: data)
        let job = RealtimeJob(
            directory: jobDirectory, job: file, baseURL: baseURL, apiKey: apiKey, client: client, settings: settings,
            gate: gate, counts: RealtimeCounts(), logger: logger)
        return await jobs.start(id, job: job, logger: logger)
    }

    static func countLines(_ path: String) throws -> Int {
        let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        return data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }
}

/// The realtime jobs running in this process.
actor RealtimeJobs {
    private var running: [String: (task: Task<Void, Never>, counts: RealtimeCounts)] = [:]

    func start(_ id: String, job: RealtimeJob, logger: Logger) -> RealtimeCounts {
        if let existing = running[id] { return existing.counts }
        let task = Task {
            do {
                try await job.run()
            } catch is CancellationError {
            } catch {
                logger.error("realtime job failed; it resumes at the next poll", metadata: ["job": "\(id)", "error": "\(error)"])
            }
            self.finished(id)
        }
        running[id] = (task, job.counts)
        return job.counts
    }

    private func finished(_ id: String) { running[id] = nil }

    func cancel(_ id: String) {
        running[id]?.task.cancel()
    }

    func cancelAll() async {
        let tasks = running.values.map(\.task)
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    func isRunning(_ id: String) -> Bool { running[id] != nil }
}
