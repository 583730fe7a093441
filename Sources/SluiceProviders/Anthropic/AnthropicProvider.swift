import Foundation
import Logging
import SluiceCore
import SluiceHTTP

/// Anthropic Message Batches (and the local provider speaking them) as a `BatchProvider`.
///
/// Nothing is uploaded: the staged chunk already is the create call's `{"requests":[...]}` body and is
/// streamed from disk. The API keeps no metadata, so an interrupted create is found again by listing
/// recent batches (`findBatch`). A batch's results live with the batch: its one "result file id" is the
/// batch id, downloaded from `/results` and deleted (with the batch) once the drop is archived.
public struct AnthropicProvider: BatchProvider {
    public let name: String
    public let wireFormat = WireFormat.anthropicBatch
    /// 100,000 requests or 256 MB per batch, whichever comes first (batch-api-wire.md §2.6).
    public let maxRequestsPerBatch = Self.limits.requests
    public let maxBytesPerBatch = Self.limits.bytes
    /// The limits above, known without a provider (`sluice estimate`).
    public static let limits = BatchLimits(requests: 100_000, bytes: 256_000_000)
    public let uploadsInput = false
    let api: AnthropicBatchAPI

    /// A provider named `name` (as recorded in manifests) over `api`.
    public init(name: String, api: AnthropicBatchAPI) {
        self.name = name
        self.api = api
    }

    public func upload(chunkPath: String, name: String) async throws -> String {
        throw ProviderError(
            code: "anthropic.no_upload", message: "Anthropic batches carry their requests inline", retryable: false)
    }

    public func createBatch(
        input: BatchInput, endpoint: Endpoint, completionWindow: String, metadata: [String: String]
    ) async throws -> SubmittedBatch {
        guard case .chunkFile(let path) = input else {
            throw ProviderError(
                code: "anthropic.input", message: "Anthropic batches are created from the chunk file", retryable: false)
        }
        let batch = try await call { try await api.createBatch(bodyFile: path) }
        return SubmittedBatch(id: batch.id, inputFileID: nil, snapshot: Self.snapshot(batch))
    }

    /// The batch of `requests` requests created since `since` that the engine has not recorded. The engine
    /// creates untagged batches one at a time, so at most one such batch is ours; when several match (another
    /// client of the same workspace), the most recent is taken, as the interrupted create was the last one.
    public func findBatch(
        metadataKey key: String, value: String, requests: Int, createdSince since: Date, known: Set<String>
    ) async throws -> SubmittedBatch? {
        let candidates = try await call { try await api.recentBatches(since: since) }
            .filter { !known.contains($0.id) && $0.requestCounts.total == requests }
        guard let found = candidates.first else { return nil }
        return SubmittedBatch(id: found.id, inputFileID: nil, snapshot: Self.snapshot(found))
    }

    public func findUploads(namePrefix prefix: String, createdSince since: Date) async throws -> [String] { [] }

    public func snapshot(batchID: String) async throws -> BatchSnapshot {
        Self.snapshot(try await call { try await api.retrieveBatch(id: batchID) })
    }

    public func downloadResults(of snapshot: BatchSnapshot, into directory: String) async throws -> [String] {
        var paths: [String] = []
        for id in snapshot.resultFileIDs {
            let path = directory + "/" + id + ".jsonl"
            _ = try await call { try await api.downloadResults(id: id, to: path) }
            paths.append(path)
        }
        return paths
    }

    public func cancel(batchID: String) async throws -> BatchSnapshot {
        Self.snapshot(try await call { try await api.cancelBatch(id: batchID) })
    }

    /// Deletes an ended batch and its results (the only provider-side object an Anthropic drop leaves).
    public func deleteFile(id: String) async {
        _ = try? await api.deleteBatch(id: id)
    }

    /// The engine's view of a Message Batch. Anthropic has one terminal status, `ended`; a cancelled or
    /// expired batch is told apart by `cancel_initiated_at` and the counts, which also name each row's fate.
    static func snapshot(_ batch: AnthropicMessageBatch) -> BatchSnapshot {
        let counts = batch.requestCounts
        let state: BatchState
        switch batch.processingStatus {
        case "ended":
            if batch.cancelInitiatedAt != nil {
                state = .cancelled
            } else if counts.expired > 0 {
                state = .expired
            } else {
                state = .completed
            }
        case "canceling": state = .cancelling
        // `in_progress`, or a status this version does not know yet: keep polling rather than guess it is over.
        default: state = .inProgress
        }
        return BatchSnapshot(
            id: batch.id, state: state, providerStatus: batch.processingStatus, total: counts.total,
            succeeded: counts.succeeded, failed: counts.errored + counts.canceled + counts.expired,
            resultFileIDs: state.isTerminal ? [batch.id] : [])
    }

    /// Runs an API call, translating its error into the engine's `ProviderError`.
    private func call<T>(_ body: () async throws -> T) async throws -> T {
        try await APICall.translated(AnthropicAPIError.self, body)
    }
}
