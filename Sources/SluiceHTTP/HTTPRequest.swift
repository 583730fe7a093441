/// One HTTP request: method, URL, headers, body, and where the response body goes.
public struct HTTPRequest: Sendable, CustomStringConvertible {
    /// The HTTP method, e.g. `GET`, `POST`, `DELETE`.
    public var method: String
    /// The absolute `http` or `https` URL.
    public var url: String
    /// Request headers in sending order; a `Content-Type` here overrides the body's.
    public var headers: [HTTPHeader]
    /// The request body.
    public var body: HTTPRequestBody
    /// When set, a 2xx response body streams into this file (created or truncated), not into memory.
    ///
    /// Non-2xx bodies still go to memory (bounded by `maxInMemoryResponseBytes`) so callers can read
    /// the error they carry; the file is then left empty. A failed transfer may leave a partial
    /// file: write to a temporary name and rename once the call succeeded.
    public var responseBodyFile: String?

    /// Creates a request.
    public init(
        method: String = "GET",
        url: String,
        headers: [HTTPHeader] = [],
        body: HTTPRequestBody = .none,
        responseBodyFile: String? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.responseBodyFile = responseBodyFile
    }

    /// The request line with credentials redacted; safe to log.
    public var description: String {
        "\(method) \(RedactedURL.string(url))"
    }
}

/// One request header; its `description` hides the value of credential headers.
public struct HTTPHeader: Sendable, Hashable, CustomStringConvertible {
    /// The header name as sent.
    public var name: String
    /// The header value as sent.
    public var value: String

    /// Creates a header.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// Names whose values are credentials and never appear in errors or logs.
    public static let secretNames: Set<String> = [
        "authorization", "proxy-authorization", "x-api-key", "api-key", "x-goog-api-key", "cookie", "set-cookie",
    ]

    /// Whether this header carries a credential.
    public var isSecret: Bool { Self.secretNames.contains(name.lowercased()) }

    /// `name: value`, or `name: <redacted>` for credential headers.
    public var description: String { "\(name): \(isSecret ? "<redacted>" : value)" }
}

/// What a request sends as its body.
public enum HTTPRequestBody: Sendable {
    /// No body.
    case none
    /// Bytes held in memory; libcurl copies them before the transfer.
    case bytes([UInt8], contentType: String)
    /// A file streamed from disk through a read callback; its size is taken when the transfer starts.
    case file(path: String, contentType: String)
    /// A `multipart/form-data` body; file parts stream from disk.
    case multipart([MultipartPart])
}

/// One part of a `multipart/form-data` body.
public enum MultipartPart: Sendable {
    /// A text field.
    case field(name: String, value: String)
    /// A file streamed from `path`, announced as `filename` with `contentType`.
    case file(name: String, path: String, filename: String, contentType: String)
}
