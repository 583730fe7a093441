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

    var batchesCreated = 0
    var filesUploaded = 0
    var requestsReceived = 0
    var byMetadata: [String: PairCount] = [:]

    /// The counters as `GET /_emulator/stats` returns them.
    var wire: JSONValue {
        var pairs = JSONObject()
        for key in byMetadata.keys.sorted() {
            let c = byMetadata[key]!
            pairs[key] = ["batches": .int(c.batches), "requests": .int(c.requests)]
        }
        return [
            "batches_created": .int(batchesCreated), "files_uploaded": .int(filesUploaded),
            "requests_received": .int(requestsReceived), "by_metadata": .object(pairs),
        ]
    }
}
