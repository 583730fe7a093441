import Foundation

/// A Message Batch as the API returns it (batch-api-wire.md §2.3); timestamps are RFC 3339 text.
public struct AnthropicMessageBatch: Decodable, Sendable, Equatable {
    /// Per-outcome request counts; everything sits in `processing` until the batch ends.
    public struct RequestCounts: Decodable, Sendable, Equatable {
        public var processing: Int
        public var succeeded: Int
        public var errored: Int
        public var canceled: Int
        public var expired: Int

        /// Every request of the batch.
        public var total: Int { processing + succeeded + errored + canceled + expired }
    }

    public var id: String
    /// `in_progress`, `canceling` (one l) or `ended`.
    public var processingStatus: String
    public var requestCounts: RequestCounts
    public var createdAt: String
    public var expiresAt: String?
    public var endedAt: String?
    public var cancelInitiatedAt: String?
    public var archivedAt: String?
    /// Where the results JSONL is served, once the batch ended.
    public var resultsURL: String?

    enum CodingKeys: String, CodingKey {
        case id
        case processingStatus = "processing_status"
        case requestCounts = "request_counts"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case endedAt = "ended_at"
        case cancelInitiatedAt = "cancel_initiated_at"
        case archivedAt = "archived_at"
        case resultsURL = "results_url"
    }

    /// `created_at` as a date; nil when the text is not RFC 3339.
    public var created: Date? { AnthropicTimestamp.date(createdAt) }
}

/// One page of `GET /v1/messages/batches`: most recent first, `has_more` and the ids to page on.
public struct AnthropicBatchPage: Decodable, Sendable {
    public var data: [AnthropicMessageBatch]
    public var hasMore: Bool
    public var firstID: String?
    public var lastID: String?

    enum CodingKeys: String, CodingKey {
        case data
        case hasMore = "has_more"
        case firstID = "first_id"
        case lastID = "last_id"
    }
}

/// The answer to `DELETE /v1/messages/batches/{id}`.
public struct AnthropicBatchDeletion: Decodable, Sendable {
    public var id: String
    public var type: String
}

/// RFC 3339 timestamps as Anthropic sends them: `Z` or `+00:00`, with or without fractional seconds.
enum AnthropicTimestamp {
    /// The date `text` names, or nil.
    static func date(_ text: String) -> Date? {
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        let whole = Date.ISO8601FormatStyle()
        return (try? fractional.parse(text)) ?? (try? whole.parse(text))
    }
}
