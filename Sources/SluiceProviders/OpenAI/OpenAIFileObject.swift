import Foundation

/// A file in the OpenAI Files API (`object: "file"`).
public struct OpenAIFileObject: Codable, Sendable, Hashable {
    /// The file id, e.g. `file-abc123`; opaque.
    public var id: String
    /// Always `file`.
    public var object: String
    /// Size in bytes.
    public var bytes: Int64
    /// Creation time, Unix seconds.
    public var createdAt: Int64
    /// Expiry time, Unix seconds; batch files expire after 30 days by default.
    public var expiresAt: Int64?
    /// The file name given at upload.
    public var filename: String
    /// `batch` for inputs, `batch_output` for result files.
    public var purpose: String
    /// `uploaded`, `processed` or `error`; deprecated upstream, so tolerated when missing.
    public var status: String?
    /// Deprecated upstream; usually null.
    public var statusDetails: String?

    /// Creates a file object.
    public init(
        id: String,
        object: String = "file",
        bytes: Int64,
        createdAt: Int64,
        expiresAt: Int64? = nil,
        filename: String,
        purpose: String,
        status: String? = "processed",
        statusDetails: String? = nil
    ) {
        self.id = id
        self.object = object
        self.bytes = bytes
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.filename = filename
        self.purpose = purpose
        self.status = status
        self.statusDetails = statusDetails
    }

    enum CodingKeys: String, CodingKey {
        case id, object, bytes, filename, purpose, status
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case statusDetails = "status_details"
    }
}

/// The answer to `DELETE /files/{id}`.
public struct OpenAIFileDeletion: Codable, Sendable, Hashable {
    /// The deleted file's id.
    public var id: String
    /// Always `file`.
    public var object: String
    /// Whether the file is gone.
    public var deleted: Bool

    /// Creates a deletion result.
    public init(id: String, object: String = "file", deleted: Bool) {
        self.id = id
        self.object = object
        self.deleted = deleted
    }
}
