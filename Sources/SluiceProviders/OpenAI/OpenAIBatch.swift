import Foundation

/// A batch as the OpenAI Batch API returns it (`object: "batch"`), every documented field.
public struct OpenAIBatch: Codable, Sendable, Hashable {
    /// The batch id, e.g. `batch_abc123`; opaque.
    public var id: String
    /// Always `batch`.
    public var object: String
    /// The endpoint every line targets, e.g. `/v1/chat/completions`.
    public var endpoint: String
    /// The model that processed the batch (newer batches only).
    public var model: String?
    /// Batch-level validation errors; nil when there are none.
    public var errors: OpenAIBatchErrors?
    /// The uploaded input file.
    public var inputFileID: String
    /// Always `24h` today.
    public var completionWindow: String
    /// Where the batch is in its life.
    public var status: OpenAIBatchStatus
    /// Successful result lines; nil until there are any (`""` reads as nil).
    public var outputFileID: String?
    /// Failed and expired lines; nil when none (`""`, seen on clean batches, reads as nil).
    public var errorFileID: String?
    /// Creation time, Unix seconds.
    public var createdAt: Int64
    /// When validation passed and processing started.
    public var inProgressAt: Int64?
    /// When the completion window closes.
    public var expiresAt: Int64?
    /// When result preparation started.
    public var finalizingAt: Int64?
    /// When results became available.
    public var completedAt: Int64?
    /// When validation failed.
    public var failedAt: Int64?
    /// When the window closed before completion.
    public var expiredAt: Int64?
    /// When cancellation was requested.
    public var cancellingAt: Int64?
    /// When cancellation finished.
    public var cancelledAt: Int64?
    /// Lines in total, succeeded and failed.
    public var requestCounts: OpenAIBatchRequestCounts?
    /// The caller's string pairs from create.
    public var metadata: [String: String]?
    /// Token usage; only on batches created after 2025-09-07.
    public var usage: OpenAIBatchUsage?

    /// Creates a batch; tests and emulators build them, the API decodes them.
    public init(
        id: String,
        object: String = "batch",
        endpoint: String,
        model: String? = nil,
        errors: OpenAIBatchErrors? = nil,
        inputFileID: String,
        completionWindow: String = "24h",
        status: OpenAIBatchStatus,
        outputFileID: String? = nil,
        errorFileID: String? = nil,
        createdAt: Int64,
        inProgressAt: Int64? = nil,
        expiresAt: Int64? = nil,
        finalizingAt: Int64? = nil,
        completedAt: Int64? = nil,
        failedAt: Int64? = nil,
        expiredAt: Int64? = nil,
        cancellingAt: Int64? = nil,
        cancelledAt: Int64? = nil,
        requestCounts: OpenAIBatchRequestCounts? = nil,
        metadata: [String: String]? = nil,
        usage: OpenAIBatchUsage? = nil
    ) {
        self.id = id
        self.object = object
        self.endpoint = endpoint
        self.model = model
        self.errors = errors
        self.inputFileID = inputFileID
        self.completionWindow = completionWindow
        self.status = status
        self.outputFileID = outputFileID
        self.errorFileID = errorFileID
        self.createdAt = createdAt
        self.inProgressAt = inProgressAt
        self.expiresAt = expiresAt
        self.finalizingAt = finalizingAt
        self.completedAt = completedAt
        self.failedAt = failedAt
        self.expiredAt = expiredAt
        self.cancellingAt = cancellingAt
        self.cancelledAt = cancelledAt
        self.requestCounts = requestCounts
        self.metadata = metadata
        self.usage = usage
    }

    enum CodingKeys: String, CodingKey {
        case id, object, endpoint, model, errors, status, metadata, usage
        case inputFileID = "input_file_id"
        case completionWindow = "completion_window"
        case outputFileID = "output_file_id"
        case errorFileID = "error_file_id"
        case createdAt = "created_at"
        case inProgressAt = "in_progress_at"
        case expiresAt = "expires_at"
        case finalizingAt = "finalizing_at"
        case completedAt = "completed_at"
        case failedAt = "failed_at"
        case expiredAt = "expired_at"
        case cancellingAt = "cancelling_at"
        case cancelledAt = "cancelled_at"
        case requestCounts = "request_counts"
    }

    /// Decodes a batch, reading an empty `output_file_id` / `error_file_id` as absent.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let quirks = OpenAIQuirks.of(decoder)
        id = try c.decode(String.self, forKey: .id)
        object = try c.decode(String.self, forKey: .object)
        endpoint = try c.decode(String.self, forKey: .endpoint)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        errors = try c.decodeIfPresent(OpenAIBatchErrors.self, forKey: .errors)
        inputFileID = try c.decode(String.self, forKey: .inputFileID)
        completionWindow = try c.decode(String.self, forKey: .completionWindow)
        let statusText = try c.decode(String.self, forKey: .status)
        status = OpenAIBatchStatus(rawValue: quirks.uppercaseStatus ? statusText.lowercased() : statusText)
        outputFileID = try c.decodeIfPresent(String.self, forKey: .outputFileID).flatMap { $0.isEmpty ? nil : $0 }
        errorFileID = try c.decodeIfPresent(String.self, forKey: .errorFileID).flatMap { $0.isEmpty ? nil : $0 }
        guard let created = try quirks.timestamp(c, .createdAt) else {
            throw DecodingError.dataCorruptedError(forKey: .createdAt, in: c, debugDescription: "created_at is missing")
        }
        createdAt = created
        inProgressAt = try quirks.timestamp(c, .inProgressAt)
        expiresAt = try quirks.timestamp(c, .expiresAt)
        finalizingAt = try quirks.timestamp(c, .finalizingAt)
        completedAt = try quirks.timestamp(c, .completedAt)
        failedAt = try quirks.timestamp(c, .failedAt)
        expiredAt = try quirks.timestamp(c, .expiredAt)
        cancellingAt = try quirks.timestamp(c, .cancellingAt)
        cancelledAt = try quirks.timestamp(c, .cancelledAt)
        requestCounts = try c.decodeIfPresent(OpenAIBatchRequestCounts.self, forKey: .requestCounts)
        metadata = try c.decodeIfPresent([String: String].self, forKey: .metadata)
        usage = try c.decodeIfPresent(OpenAIBatchUsage.self, forKey: .usage)
    }
}
