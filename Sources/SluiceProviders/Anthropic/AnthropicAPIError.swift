import Foundation
import SluiceHTTP

/// A failed Anthropic API call: an error status, an unreadable body, or no response at all.
public struct AnthropicAPIError: Error, Sendable, CustomStringConvertible {
    /// A stable failure kind; its string is stored and never changes once shipped.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable string, e.g. `anthropic.rate_limited`.
        public let rawValue: String

        /// Creates a code from its stable string.
        public init(_ rawValue: String) { self.rawValue = rawValue }

        /// 400 `invalid_request_error`.
        public static let badRequest = Code("anthropic.bad_request")
        /// 401 `authentication_error`.
        public static let authentication = Code("anthropic.authentication")
        /// 402 `billing_error`.
        public static let billing = Code("anthropic.billing")
        /// 403 `permission_error`.
        public static let permission = Code("anthropic.permission")
        /// 404 `not_found_error`.
        public static let notFound = Code("anthropic.not_found")
        /// 413 `request_too_large`: the create body is over 256 MB.
        public static let tooLarge = Code("anthropic.request_too_large")
        /// 429 `rate_limit_error`, after retries ran out.
        public static let rateLimited = Code("anthropic.rate_limited")
        /// 5xx (`api_error`, `timeout_error`, 529 `overloaded_error`), after retries ran out.
        public static let server = Code("anthropic.server")
        /// Any other non-2xx status.
        public static let unexpectedStatus = Code("anthropic.unexpected_status")
        /// A 2xx body that is not the documented JSON.
        public static let decode = Code("anthropic.decode")
        /// No response: the transfer failed after retries.
        public static let transport = Code("anthropic.transport")
        /// The calling task was cancelled.
        public static let cancelled = Code("anthropic.cancelled")

        /// The stable string.
        public var description: String { rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// What was called, e.g. `POST /v1/messages/batches`.
    public var operation: String
    /// The HTTP status, when a response arrived.
    public var status: Int?
    /// The envelope's `error.type`, e.g. `invalid_request_error`.
    public var errorType: String?
    /// The `request-id` header, for support tickets.
    public var requestID: String?
    /// What happened; never contains the API key.
    public var message: String

    /// Creates an error.
    public init(
        code: Code, operation: String, status: Int? = nil, errorType: String? = nil, requestID: String? = nil,
        message: String
    ) {
        self.code = code
        self.operation = operation
        self.status = status
        self.errorType = errorType
        self.requestID = requestID
        self.message = message
    }

    /// Whether the same call may succeed later (rate limits, server errors, transport failures).
    public var isTransient: Bool {
        switch code {
        case .rateLimited, .server, .transport: true
        case .unexpectedStatus: status.map(RetryPolicy.isRetryable(status:)) ?? false
        default: false
        }
    }

    /// `code: operation -> status: message (request id)`.
    public var description: String {
        var text = "\(code): \(operation)"
        if let status { text += " -> \(status)" }
        if let errorType { text += " \(errorType)" }
        text += ": \(message)"
        if let requestID { text += " (request \(requestID))" }
        return text
    }

    /// The stable code for an HTTP status (batch-api-wire.md §2.7).
    public static func code(forStatus status: Int) -> Code {
        switch status {
        case 400: .badRequest
        case 401: .authentication
        case 402: .billing
        case 403: .permission
        case 404: .notFound
        case 413: .tooLarge
        case 429: .rateLimited
        case 500...: .server
        default: .unexpectedStatus
        }
    }

    /// The error a non-2xx response stands for, with its `{"type":"error","error":{type,message}}` envelope.
    init(response: HTTPResponse, operation: String) {
        let envelope = try? JSONDecoder().decode(AnthropicErrorEnvelope.self, from: Data(response.body))
        let message = envelope?.error.message ?? String(response.bodyText.prefix(500))
        self.init(
            code: Self.code(forStatus: response.status), operation: operation, status: response.status,
            errorType: envelope?.error.type, requestID: response.headers["request-id"] ?? envelope?.requestID,
            message: message.isEmpty ? "HTTP \(response.status)" : message)
    }

    /// The error for a transfer that produced no response.
    init(transport: HTTPError, operation: String) {
        self.init(
            code: transport.code == .cancelled ? .cancelled : .transport, operation: operation,
            message: transport.description)
    }
}

/// The body of every Anthropic error response.
struct AnthropicErrorEnvelope: Decodable {
    struct Detail: Decodable {
        var type: String?
        var message: String?
    }

    var error: Detail
    var requestID: String?

    enum CodingKeys: String, CodingKey {
        case error
        case requestID = "request_id"
    }
}
