import SluiceJSON

/// An uploaded or produced file; persisted as JSON next to its content, served as the real File object.
struct FileRecord: Codable, Sendable {
    var id: String
    /// Creation order, for listing (many files share a `created_at` second).
    var sequence: Int
    var bytes: Int
    var createdAt: Int
    var filename: String
    var purpose: String
    var expiresAt: Int?

    /// The File object as the real API shapes it (deprecated `status`/`status_details` included).
    var wire: JSONValue {
        [
            "object": "file",
            "id": .string(id),
            "purpose": .string(purpose),
            "filename": .string(filename),
            "bytes": .int(bytes),
            "created_at": .int(createdAt),
            "expires_at": expiresAt.map(JSONValue.int) ?? .null,
            "status": "processed",
            "status_details": nil,
        ]
    }
}

/// Counters behind `GET /_emulator/stats`, so tests can prove nothing was submitted twice.
struct EmulatorStats: Codable, Sendable {
    /// Per `key=value` metadata pair.
    struct PairCount: Codable, Sendable {
        var batches = 0
        var requests = 0
    }

    /// OpenAI batches created.
    var batchesCreated = 0
    var filesUploaded = 0
    /// Request lines of validated OpenAI batch input files.
    var requestsReceived = 0
    var byMetadata: [String: PairCount] = [:]
    /// Anthropic Message Batches created.
    var anthropicBatchesCreated = 0
    /// Requests in the Anthropic Message Batches created.
    var anthropicRequestsReceived = 0
    /// Realtime `POST /v1/messages` requests answered (errors included).
    var anthropicMessagesReceived = 0
    /// Faults injected, by `FaultKind` raw value.
    var faultsInjected: [String: Int] = [:]

    init() {}

    /// Decodes counters saved by any version; keys an older emulator did not write start at 0.
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        batchesCreated = try c.decodeIfPresent(Int.self, forKey: .batchesCreated) ?? 0
        filesUploaded = try c.decodeIfPresent(Int.self, forKey: .filesUploaded) ?? 0
        requestsReceived = try c.decodeIfPresent(Int.self, forKey: .requestsReceived) ?? 0
        byMetadata = try c.decodeIfPresent([String: PairCount].self, forKey: .byMetadata) ?? [:]
        anthropicBatchesCreated = try c.decodeIfPresent(Int.self, forKey: .anthropicBatchesCreated) ?? 0
        anthropicRequestsReceived = try c.decodeIfPresent(Int.self, forKey: .anthropicRequestsReceived) ?? 0
        anthropicMessagesReceived = try c.decodeIfPresent(Int.self, forKey: .anthropicMessagesReceived) ?? 0
        faultsInjected = try c.decodeIfPresent([String: Int].self, forKey: .faultsInjected) ?? [:]
    }

    /// The counters as `GET /_emulator/stats` returns them; `batches_created` and `requests_received` are
    /// totals over both protocols.
    var wire: JSONValue {
        var pairs = JSONObject()
        for key in byMetadata.keys.sorted() {
            let c = byMetadata[key]!
            pairs[key] = ["batches": .int(c.batches), "requests": .int(c.requests)]
        }
        return [
            "batches_created": .int(batchesCreated + anthropicBatchesCreated), "files_uploaded": .int(filesUploaded),
            "requests_received": .int(requestsReceived + anthropicRequestsReceived), "by_metadata": .object(pairs),
            "anthropic_batches_created": .int(anthropicBatchesCreated),
            "anthropic_requests_received": .int(anthropicRequestsReceived),
            "anthropic_messages_received": .int(anthropicMessagesReceived),
            "faults_injected": .object(
                JSONObject(FaultKind.allCases.map { ($0.rawValue, .int(faultsInjected[$0.rawValue] ?? 0)) })),
        ]
    }
}
