import Foundation
import SluiceHTTP

/// A failed OpenAI API call: an error status, an unreadable body, or no response at all.
public struct OpenAIAPIError: Error, Sendable, CustomStringConvertible {
    /// A stable failure kind; its string is stored and never changes once shipped.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable string, e.g. `openai.rate_limited`.
        public let rawValue: String

        /// Creates a code from its stable string.
        public init(_ rawValue: String) { self.rawValue = rawValue }

        /// 400.
        public static let badRequest = Code("openai.bad_request")
        /// 401: the key is missing, wrong or revoked.
        public static let authentication = Code("openai.authentication")
        /// 403.
        public static let permission = Code("openai.permission")
        /// 404.
        public static let notFound = Code("openai.not_found")
        /// 409, e.g. cancelling a completed batch.
        public static let conflict = Code("openai.conflict")
        /// 422.
        public static let unprocessable = Code("openai.unprocessable")
        /// 429, after retries ran out.
        public static let rateLimited = Code("openai.rate_limited")
        /// 5xx, after retries ran out.
        public static let server = Code("openai.server")
        /// Any other non-2xx status (e.g. 408, 413, 3xx).
        public static let unexpectedStatus = Code("openai.unexpected_status")
        /// A 2xx body that is not the documented JSON.
        public static let decode = Code("openai.decode")
        /// No response: the transfer failed after retries (see `transport`).
        public static let transport = Code("openai.transport")
        /// The calling task was cancelled.
        public static let cancelled = Code("openai.cancelled")

        /// The stable string.
        public var description: String { rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// What was called, e.g. `POST /batches`.
    public var operation: String
    /// The HTTP status, when a response arrived.
    public var status: Int?
    /// The server's error envelope content, when the body had one.
    public var detail: OpenAIErrorDetail?
    /// The `x-request-id` header, for support tickets.
    public var requestID: String?
    /// What happened; never contains the API key.
    public var message: String
    /// The transport failure behind `openai.transport` / `openai.cancelled`.
    public var transport: HTTPError?

    /// Creates an error.
    public init(
        code: Code,
        operation: String,
        status: Int? = nil,
        detail: OpenAIErrorDetail? = nil,
        requestID: String? = nil,
        message: String,
        transport: HTTPError? = nil
    ) {
        self.code = code
        self.operation = operation
        self.status = status
        self.detail = detail
        self.requestID = requestID
        self.message = message
        self.transport = transport
    }

    /// Whether the same call may succeed later (rate limits, server errors, transport failures).
    public var isTransient: Bool {
        switch code {
        case .rateLimited, .server, .transport: true
        case .conflict, .unexpectedStatus: status.map(RetryPolicy.isRetryable(status:)) ?? false
        default: false
        }
    }

    /// `code: operation: message`, with status and request id when known.
    public var description: String {
        var text = "\(code): \(operation)"
        if let status { text += " -> \(status)" }
        text += ": \(message)"
        if let requestID { text += " (request \(requestID))" }
        return text
    }

    /// The stable code for an HTTP status.
    public static func code(forStatus status: Int) -> Code {
        switch status {
        case 400: .badRequest
        case 401: .authentication
        case 403: .permission
        case 404: .notFound
        case 409: .conflict
        case 422: .unprocessable
        case 429: .rateLimited
        case 500...: .server
        default: .unexpectedStatus
        }
    }

    /// The error a non-2xx response stands for, with its envelope decoded when present.
    init(response: HTTPResponse, operation: String) {
        let detail = try? JSONDecoder().decode(OpenAIErrorEnvelope.self, from: Data(response.body)).error
        let message = detail?.message ?? String(response.bodyText.prefix(500))
        self.init(
            code: Self.code(forStatus: response.status),
            operation: operation,
            status: response.status,
            detail: detail,
            requestID: response.headers["x-request-id"],
            message: message.isEmpty ? "HTTP \(response.status)" : message
        )
    }

    /// The error for a transfer that produced no response.
    init(transport: HTTPError, operation: String) {
        self.init(
            code: transport.code == .cancelled ? .cancelled : .transport,
            operation: operation,
            message: transport.description,
            transport: transport
        )
    }
}
