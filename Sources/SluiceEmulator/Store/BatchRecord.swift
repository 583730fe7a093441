import SluiceJSON

/// Status of a batch, with the real API's spellings.
enum BatchStatus: String, Codable, Sendable {
    case validating, failed
    case inProgress = "in_progress"
    case finalizing, completed, expired, cancelling, cancelled

    /// True for statuses a batch never leaves.
    var isTerminal: Bool {
        switch self {
        case .failed, .completed, .expired, .cancelled: return true
        default: return false
        }
    }
}

/// One entry of a failed batch's `errors.data`.
struct BatchLineError: Codable, Sendable, Equatable {
    var code: String
    var message: String
    var param: String?
    /// 1-based input line, nil for file-level errors.
    var line: Int?

    /// The entry as the API shapes it.
    var wire: JSONValue {
        [
            "code": .string(code), "line": line.map(JSONValue.int) ?? .null, "message": .string(message),
            "param": param.map(JSONValue.string) ?? .null,
        ]
    }
}

/// `request_counts` of a batch.
struct RequestCounts: Codable, Sendable, Equatable {
    var total = 0
    var completed = 0
    var failed = 0
}

/// Token totals of a batch's successful requests.
struct TokenTotals: Codable, Sendable, Equatable {
    var input = 0
    var output = 0
}

/// One metadata pair; an array of these keeps the order the client sent.
struct MetadataPair: Codable, Sendable, Equatable {
    var key: String
    var value: String
}

/// Everything the emulator knows about a batch; persisted as JSON, served as the real Batch object.
struct BatchRecord: Codable, Sendable {
    var id: String
    /// Creation order, for newest-first listing (many batches share a `created_at` second).
    var sequence: Int
    var endpoint: String
    var model: String?
    var errors: [BatchLineError]?
    var inputFileID: String
    var completionWindow: String
    var status: BatchStatus
    var outputFileID: String?
    var errorFileID: String?
    var createdAt: Int
    var inProgressAt: Int?
    var expiresAt: Int?
    var finalizingAt: Int?
    var completedAt: Int?
    var failedAt: Int?
    var expiredAt: Int?
    var cancellingAt: Int?
    var cancelledAt: Int?
    var requestCounts = RequestCounts()
    var usage = TokenTotals()
    /// nil when the client sent no metadata (the wire shows `null`).
    var metadata: [MetadataPair]?
    /// Set once the input's lines were added to the stats, so a validation redone after a restart
    /// does not count them twice.
    var requestsRecorded: Bool?
    /// Set once the input's custom_ids were recorded (`CustomIDLedger`), for the same reason.
    var customIDsRecorded: Bool?
    /// Requests answered without a result line (`missing_line`): counted as completed at the end.
    var droppedLines: Int?

    /// The Batch object exactly as the real API shapes it (every field present, nulls included).
    var wire: JSONValue {
        func time(_ t: Int?) -> JSONValue { t.map(JSONValue.int) ?? .null }
        func id(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        let errorsValue: JSONValue =
            errors.map { list in ["object": "list", "data": .array(list.map(\.wire))] } ?? .null
        let metadataValue: JSONValue =
            metadata.map { pairs in .object(JSONObject(pairs.map { ($0.key, JSONValue.string($0.value)) })) } ?? .null
        return [
            "id": .string(self.id),
            "object": "batch",
            "endpoint": .string(endpoint),
            "model": id(model),
            "errors": errorsValue,
            "input_file_id": .string(inputFileID),
            "completion_window": .string(completionWindow),
            "status": .string(status.rawValue),
            "output_file_id": id(outputFileID),
            "error_file_id": id(errorFileID),
            "created_at": .int(createdAt),
            "in_progress_at": time(inProgressAt),
            "expires_at": time(expiresAt),
            "finalizing_at": time(finalizingAt),
            "completed_at": time(completedAt),
            "failed_at": time(failedAt),
            "expired_at": time(expiredAt),
            "cancelling_at": time(cancellingAt),
            "cancelled_at": time(cancelledAt),
            "request_counts": [
                "total": .int(requestCounts.total), "completed": .int(requestCounts.completed),
                "failed": .int(requestCounts.failed),
            ],
            "usage": [
                "input_tokens": .int(usage.input),
                "input_tokens_details": ["cached_tokens": 0],
                "output_tokens": .int(usage.output),
                "output_tokens_details": ["reasoning_tokens": 0],
                "total_tokens": .int(usage.input + usage.output),
            ],
            "metadata": metadataValue,
        ]
    }
}
