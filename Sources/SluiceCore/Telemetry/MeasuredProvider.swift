import Foundation
import Metrics

/// A provider whose calls are timed into `sluice_provider_call_seconds{provider, operation}`.
///
/// Wrapped around the provider where the engine gets it, so every adapter (OpenAI, Anthropic, realtime, local)
/// is measured the same way, failures included: a slow error is as telling as a slow answer.
public struct MeasuredProvider: BatchProvider {
    public let base: any BatchProvider

    public init(_ base: any BatchProvider) { self.base = base }

    public var name: String { base.name }
    public var wireFormat: WireFormat { base.wireFormat }
    public var maxRequestsPerBatch: Int { base.maxRequestsPerBatch }
    public var maxBytesPerBatch: Int { base.maxBytesPerBatch }
    public var uploadsInput: Bool { base.uploadsInput }

    public func upload(chunkPath: String, name: String) async throws -> String {
        try await timed("upload") { try await base.upload(chunkPath: chunkPath, name: name) }
    }

    public func createBatch(input: BatchInput, endpoint: Endpoint, completionWindow: String, metadata: [String: String])
        async throws -> SubmittedBatch
    {
        try await timed("create") {
            try await base.createBatch(
                input: input, endpoint: endpoint, completionWindow: completionWindow, metadata: metadata)
        }
    }

    public func findBatch(
        metadataKey key: String, value: String, requests: Int, createdSince since: Date, known: Set<String>
    ) async throws -> SubmittedBatch? {
        try await timed("find") {
            try await base.findBatch(
                metadataKey: key, value: value, requests: requests, createdSince: since, known: known)
        }
    }

    public func findUploads(namePrefix prefix: String, createdSince since: Date) async throws -> [String] {
        try await timed("find") { try await base.findUploads(namePrefix: prefix, createdSince: since) }
    }

    public func snapshot(batchID: String) async throws -> BatchSnapshot {
        try await timed("poll") { try await base.snapshot(batchID: batchID) }
    }

    public func downloadResults(of snapshot: BatchSnapshot, into directory: String) async throws -> [String] {
        try await timed("download") { try await base.downloadResults(of: snapshot, into: directory) }
    }

    public func cancel(batchID: String) async throws -> BatchSnapshot {
        try await timed("cancel") { try await base.cancel(batchID: batchID) }
    }

    public func deleteFile(id: String) async {
        let start = ContinuousClock.now
        await base.deleteFile(id: id)
        record("delete", since: start)
    }

    private func timed<T>(_ operation: String, _ call: () async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        defer { record(operation, since: start) }
        return try await call()
    }

    private func record(_ operation: String, since start: ContinuousClock.Instant) {
        let elapsed = start.duration(to: .now).components
        Metrics.Timer(
            label: SluiceMetrics.providerCall, dimensions: [("provider", base.name), ("operation", operation)]
        ).recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
    }
}
