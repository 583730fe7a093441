import Foundation
import Logging
import SluiceCore
import SluiceHTTP

/// The OpenAI Batch API (and anything speaking it: the local provider, compatible services) as a
/// `BatchProvider`.
public struct OpenAIProvider: BatchProvider {
    public let name: String
    public let wireFormat = WireFormat.openAIBatch
    /// 50,000 requests and 200 MB per input file (batch-api-wire.md §1.9).
    public let maxRequestsPerBatch = Self.limits.requests
    public let maxBytesPerBatch = Self.limits.bytes
    /// The limits above, known without a provider (`sluice estimate`).
    public static let limits = BatchLimits(requests: 50_000, bytes: 200_000_000)
    let api: OpenAIBatchAPI

    /// A provider named `name` (as recorded in manifests) over `api`.
    public init(name: String, api: OpenAIBatchAPI) {
        self.name = name
        self.api = api
    }

    public let uploadsInput = true

    public func upload(chunkPath: String, name: String) async throws -> String {
        try await call { try await api.uploadFile(path: chunkPath, purpose: api.quirks.filePurpose, filename: name) }.id
    }

    public func createBatch(
        input: BatchInput, endpoint: Endpoint, completionWindow: String, metadata: [String: String]
    ) async throws -> SubmittedBatch {
        guard case .uploadedFile(let inputFileID) = input else {
            throw ProviderError(code: "provider.input_not_uploaded", message: "OpenAI batches need an uploaded file", retryable: false)
        }
        // One attempt: a timeout after the server took the request may still have created the batch, and a
        // blind retry would create (and bill) a second one. The engine reconciles with findBatch instead.
        let batch = try await call {
            try await api.createBatch(
                inputFileID: inputFileID, endpoint: endpoint.openAIPath, completionWindow: completionWindow,
                metadata: metadata, retry: .never)
        }
        return SubmittedBatch(id: batch.id, inputFileID: batch.inputFileID, snapshot: Self.snapshot(batch))
    }

    public func findBatch(
        metadataKey key: String, value: String, requests: Int, createdSince since: Date, known: Set<String>
    ) async throws -> SubmittedBatch? {
        try await call {
            for try await batch in api.allBatches(since: Int64(since.timeIntervalSince1970)) {
                if batch.metadata?[key] == value {
                    return SubmittedBatch(id: batch.id, inputFileID: batch.inputFileID, snapshot: Self.snapshot(batch))
                }
            }
            return nil
        }
    }

    public func findUploads(namePrefix prefix: String, createdSince since: Date) async throws -> [String] {
        try await call {
            try await api.recentFiles(purpose: api.quirks.filePurpose, since: Int64(since.timeIntervalSince1970))
                .filter { $0.filename.hasPrefix(prefix) }.map(\.id)
        }
    }

    public func snapshot(batchID: String) async throws -> BatchSnapshot {
        Self.snapshot(try await call { try await api.retrieveBatch(id: batchID) })
    }

    public func downloadResults(of snapshot: BatchSnapshot, into directory: String) async throws -> [String] {
        var paths: [String] = []
        for id in snapshot.resultFileIDs {
            let path = directory + "/" + id + ".jsonl"
            _ = try await call { try await api.downloadFileContent(id: id, to: path) }
            paths.append(path)
        }
        return paths
    }

    public func cancel(batchID: String) async throws -> BatchSnapshot {
        Self.snapshot(try await call { try await api.cancelBatch(id: batchID) })
    }

    public func deleteFile(id: String) async {
        _ = try? await api.deleteFile(id: id)
    }

    /// The engine's view of an OpenAI batch object.
    static func snapshot(_ batch: OpenAIBatch) -> BatchSnapshot {
        let state: BatchState
        switch batch.status {
        case .validating: state = .validating
        case .inProgress: state = .inProgress
        case .finalizing: state = .finalizing
        case .completed: state = .completed
        case .failed: state = .failed
        case .expired: state = .expired
        case .cancelling: state = .cancelling
        case .cancelled: state = .cancelled
        // A status this version does not know yet: keep polling rather than guess it is over.
        case .unknown: state = .inProgress
        }
        let counts = batch.requestCounts
        return BatchSnapshot(
            id: batch.id, state: state, providerStatus: batch.status.rawValue, total: counts?.total ?? 0,
            succeeded: counts?.completed ?? 0, failed: counts?.failed ?? 0,
            resultFileIDs: [batch.outputFileID, batch.errorFileID].compactMap { $0 },
            errors: (batch.errors?.data ?? []).map {
                BatchLevelError(code: $0.code ?? "unknown", message: $0.message ?? "", line: $0.line, param: $0.param)
            })
    }

    /// Runs an API call, translating its error into the engine's `ProviderError`.
    private func call<T>(_ body: () async throws -> T) async throws -> T {
        try await APICall.translated(OpenAIAPIError.self, body)
    }
}
