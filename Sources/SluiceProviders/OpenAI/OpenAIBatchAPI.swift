import Foundation
import Logging
import SluiceHTTP

/// The OpenAI Files and Batches endpoints over `HTTPClient`, with retries for transient failures.
///
/// Also speaks to OpenAI-compatible servers and the local emulator: point `baseURL` at them.
public struct OpenAIBatchAPI: Sendable, CustomStringConvertible {
    /// The API root, e.g. `https://api.openai.com/v1`, without a trailing slash.
    public let baseURL: String
    /// The key sent as `Authorization: Bearer`; private so it cannot reach logs by accident.
    private let apiKey: String
    /// The transport.
    public let client: HTTPClient
    /// How transient failures (429, 5xx, transport) are retried.
    public let retry: RetryPolicy
    /// The clock backoff sleeps on.
    let clock: any Clock<Duration>
    /// Where requests and retries are logged; never with the key.
    public let logger: Logger?
    /// Extra headers for every call, e.g. `OpenAI-Project`.
    public let additionalHeaders: [HTTPHeader]
    /// How the service departs from OpenAI's wire format (none for OpenAI itself).
    public var quirks: OpenAIQuirks = .none

    /// Creates the API client.
    public init(
        baseURL: String = "https://api.openai.com/v1",
        apiKey: String,
        client: HTTPClient,
        retry: RetryPolicy = RetryPolicy(),
        clock: some Clock<Duration> = ContinuousClock(),
        logger: Logger? = nil,
        additionalHeaders: [HTTPHeader] = []
    ) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.apiKey = apiKey
        self.client = client
        self.retry = retry
        self.clock = clock
        self.logger = logger
        self.additionalHeaders = additionalHeaders
    }

    /// The base URL; the key is never part of it.
    public var description: String { "OpenAIBatchAPI(\(RedactedURL.string(baseURL)))" }

    /// Sends one call and returns its 2xx response; error statuses become `OpenAIAPIError`.
    func send(
        _ method: String,
        _ path: String,
        query: [(String, String)] = [],
        body: HTTPRequestBody = .none,
        accept: String = "application/json",
        responseBodyFile: String? = nil,
        retry override: RetryPolicy? = nil
    ) async throws(OpenAIAPIError) -> HTTPResponse {
        let operation = "\(method) \(path)"
        let url = APICall.url(baseURL, path, query: query)
        let headers =
            [HTTPHeader("Authorization", "Bearer \(apiKey)"), HTTPHeader("Accept", accept)]
            + additionalHeaders
        let request = HTTPRequest(
            method: method,
            url: url,
            headers: headers,
            body: body,
            responseBodyFile: responseBodyFile
        )
        let response: HTTPResponse
        do {
            response = try await APICall.execute(
                request, on: client, retry: override ?? retry, clock: clock, logger: logger)
        } catch {
            logger?.warning("OpenAI call failed", metadata: ["openai.operation": "\(operation)", "error": "\(error)"])
            throw OpenAIAPIError(transport: error, operation: operation)
        }
        logger?.debug(
            "OpenAI call",
            metadata: [
                "openai.operation": "\(operation)", "http.status": "\(response.status)",
                "openai.request_id": "\(response.headers["x-request-id"] ?? "")",
            ]
        )
        guard response.isSuccess else { throw OpenAIAPIError(response: response, operation: operation) }
        return response
    }

    /// Decodes a 2xx JSON body; a mismatch becomes `openai.decode`.
    func decode<Value: Decodable>(
        _ type: Value.Type,
        from response: HTTPResponse,
        operation: String
    ) throws(OpenAIAPIError) -> Value {
        do {
            let decoder = JSONDecoder()
            decoder.userInfo[OpenAIQuirks.userInfoKey] = quirks
            return try decoder.decode(type, from: Data(response.body))
        } catch {
            throw OpenAIAPIError(
                code: .decode,
                operation: operation,
                status: response.status,
                requestID: response.headers["x-request-id"],
                message: "unexpected body for \(Value.self): \(error); body starts \(response.bodyText.prefix(200))"
            )
        }
    }
}

/// Percent-encoding for ids in paths and values in queries.
enum OpenAIURLText {
    /// RFC 3986 unreserved characters; everything else is escaped, `/` included.
    static let unreserved = CharacterSet(
        charactersIn:
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    )

    /// The text escaped for use as one path segment or query component.
    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}
