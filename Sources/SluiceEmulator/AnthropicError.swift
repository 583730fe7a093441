import SluiceJSON

/// An Anthropic error answered with extra headers (`retry-after` on an injected 429).
struct AnthropicRefusal: Error, Sendable {
    /// The error in the envelope.
    var error: AnthropicError
    /// Headers added to the response.
    var headers: [(String, String)]
}

/// An Anthropic error: an HTTP status plus `{"type":"error","error":{"type":…,"message":…}}`.
///
/// Used for HTTP responses of the `/v1/messages` paths and, unchanged, inside `errored` batch results.
struct AnthropicError: Error, Sendable, Equatable {
    /// HTTP status code.
    var status: Int
    /// `error.type`: by default the one the real API uses for `status` (see `type(forStatus:)`).
    var type: String
    /// Human-readable message (real API wording where known).
    var message: String

    /// An error whose type follows from its status.
    init(status: Int, message: String) {
        self.init(status: status, type: Self.type(forStatus: status), message: message)
    }

    /// An error with an explicit type.
    init(status: Int, type: String, message: String) {
        self.status = status
        self.type = type
        self.message = message
    }

    /// The `error.type` the real API sends with an HTTP status (400 for unlisted 4xx, `api_error` for 5xx).
    static func type(forStatus status: Int) -> String {
        switch status {
        case 401: return "authentication_error"
        case 402: return "billing_error"
        case 403: return "permission_error"
        case 404: return "not_found_error"
        case 413: return "request_too_large"
        case 429: return "rate_limit_error"
        case 504: return "timeout_error"
        case 529: return "overloaded_error"
        case 500...599: return "api_error"
        default: return "invalid_request_error"
        }
    }

    /// 400 `invalid_request_error`.
    static func invalidRequest(_ message: String) -> AnthropicError {
        AnthropicError(status: 400, message: message)
    }

    /// The 500 the real API sends when a request fails on its side.
    static let internalServerError = AnthropicError(status: 500, message: "Internal server error")

    /// The inner `{"type":"error","error":{type,message}}`, as an `errored` batch result carries it.
    var body: JSONValue {
        ["type": "error", "error": ["type": .string(type), "message": .string(message)]]
    }

    /// The HTTP envelope: `body` plus the request id that is also in the `request-id` header.
    func envelope(requestID: String) -> JSONValue {
        [
            "type": "error", "error": ["type": .string(type), "message": .string(message)],
            "request_id": .string(requestID),
        ]
    }
}
