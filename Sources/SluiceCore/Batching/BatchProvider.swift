import Foundation

/// A batch's state, normalised across providers.
public enum BatchState: String, Sendable, Codable, CaseIterable {
    case validating
    case inProgress = "in_progress"
    case finalizing
    case completed
    case failed
    case expired
    case cancelling
    case cancelled

    /// True once the provider will not change the batch any more.
    public var isTerminal: Bool {
        switch self {
        case .completed, .failed, .expired, .cancelled: return true
        case .validating, .inProgress, .finalizing, .cancelling: return false
        }
    }
}

/// A batch-level error reported by the provider (e.g. a validation failure naming an input line).
public struct BatchLevelError: Sendable, Codable, Equatable {
    public var code: String
    public var message: String
    public var line: Int?
    public var param: String?

    public init(code: String, message: String, line: Int? = nil, param: String? = nil) {
        self.code = code
        self.message = message
        self.line = line
        self.param = param
    }
}

/// What a provider says about one batch at one moment.
public struct BatchSnapshot: Sendable, Equatable {
    public var id: String
    public var state: BatchState
    /// The provider's own status word, for display.
    public var providerStatus: String
    public var total: Int
    public var succeeded: Int
    public var failed: Int
    /// Provider file ids holding result lines (OpenAI: output and error files).
    public var resultFileIDs: [String]
    public var errors: [BatchLevelError]

    public init(
        id: String, state: BatchState, providerStatus: String, total: Int = 0, succeeded: Int = 0, failed: Int = 0,
        resultFileIDs: [String] = [], errors: [BatchLevelError] = []
    ) {
        self.id = id
        self.state = state
        self.providerStatus = providerStatus
        self.total = total
        self.succeeded = succeeded
        self.failed = failed
        self.resultFileIDs = resultFileIDs
        self.errors = errors
    }
}

/// A batch the provider accepted.
public struct SubmittedBatch: Sendable, Equatable {
    public var id: String
    /// The uploaded input file, to delete once the batch no longer needs it.
    public var inputFileID: String?
    public var snapshot: BatchSnapshot

    public init(id: String, inputFileID: String?, snapshot: BatchSnapshot) {
        self.id = id
        self.inputFileID = inputFileID
        self.snapshot = snapshot
    }
}

/// The line formats a provider speaks; the engine renders requests and reads results accordingly.
public enum WireFormat: String, Sendable {
    /// JSONL lines `{custom_id, method, url, body}`, uploaded as a file (OpenAI and compatible services).
    case openAIBatch
    /// `{custom_id, params}` sent inline in the create call (Anthropic Message Batches).
    case anthropicBatch
}

/// What a batch is created from.
public enum BatchInput: Sendable, Equatable {
    /// A file uploaded beforehand (OpenAI Files).
    case uploadedFile(id: String)
    /// The staged chunk itself, sent as the create call's body (Anthropic).
    case chunkFile(path: String)
}

/// A provider call that failed, with a stable code and whether trying again can help.
public struct ProviderError: Error, Sendable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var httpStatus: Int?
    public var retryable: Bool

    public init(code: String, message: String, httpStatus: Int? = nil, retryable: Bool) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.retryable = retryable
    }

    public var description: String {
        httpStatus.map { "\(code) (HTTP \($0)): \(message)" } ?? "\(code): \(message)"
    }
}

/// A batch API: upload a staged chunk, create a batch, watch it, fetch its results, and find what a
/// crashed run may have left at the provider.
///
/// Upload and create are separate calls so the engine can record the uploaded file's id in between:
/// a crash then costs neither a second upload nor a second (paid) batch.
public protocol BatchProvider: Sendable {
    /// Short name recorded in manifests, e.g. `openai`, `local`.
    var name: String { get }
    var wireFormat: WireFormat { get }
    /// Hard limits of one batch; chunks never exceed them.
    var maxRequestsPerBatch: Int { get }
    var maxBytesPerBatch: Int { get }

    /// Whether chunks are uploaded as files before the batch is created (else sent inline by `createBatch`).
    var uploadsInput: Bool { get }
    /// Uploads a staged chunk file (streamed from disk) under `name`; returns the provider's file id.
    func upload(chunkPath: String, name: String) async throws -> String
    /// Creates a batch, tagged with `metadata` where the provider keeps it. Not retried on an ambiguous
    /// failure (the batch may exist): the caller looks for it with `findBatch` before trying again.
    func createBatch(input: BatchInput, endpoint: Endpoint, completionWindow: String, metadata: [String: String])
        async throws -> SubmittedBatch
    /// The batch a possibly interrupted create made for one chunk: created at or after `since`, tagged
    /// `key` = `value` where the provider keeps metadata; where it keeps none (Anthropic), the one batch of
    /// `requests` requests created since then that is not among `known` (ids the engine already recorded).
    func findBatch(
        metadataKey key: String, value: String, requests: Int, createdSince since: Date, known: Set<String>
    ) async throws -> SubmittedBatch?
    /// Ids of uploaded files whose name starts with `prefix`, created at or after `since`.
    func findUploads(namePrefix prefix: String, createdSince since: Date) async throws -> [String]
    /// The batch's current state.
    func snapshot(batchID: String) async throws -> BatchSnapshot
    /// Downloads every result file of a finished batch into `directory`; returns the local paths.
    func downloadResults(of snapshot: BatchSnapshot, into directory: String) async throws -> [String]
    /// Asks the provider to cancel the batch.
    func cancel(batchID: String) async throws -> BatchSnapshot
    /// Deletes an uploaded file the provider no longer needs; failures are not fatal.
    func deleteFile(id: String) async
}
