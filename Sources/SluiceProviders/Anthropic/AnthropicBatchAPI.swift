import Foundation
import Logging
import SluiceHTTP

/// The Anthropic Message Batches endpoints over `HTTPClient` (batch-api-wire.md §2), with retries for
/// transient failures. Also speaks to the local emulator: point `baseURL` at it.
public struct AnthropicBatchAPI: Sendable, CustomStringConvertible {
    /// The `anthropic-version` every call sends.
    public static let version = "2023-06-01"

    /// The API root including `/v1`, e.g. `https://api.anthropic.com/v1`, without a trailing slash.
    public let baseURL: String
    /// Sent as `x-api-key`; private so it cannot reach logs by accident.
    private let apiKey: String
    /// The transport.
    public let client: HTTPClient
    /// How transient failures (429, 5xx, 529, transport) are retried.
    public let retry: RetryPolicy
    /// The clock backoff sleeps on.
    let clock: any Clock<Duration>
    /// Where requests and retries are logged; never with the key.
    public let logger: Logger?

    /// Creates the API client. `baseURL` is the SDK's base URL (`https://api.anthropic.com`); a trailing
    /// `/v1` is accepted too, so specs can name the same root style for every provider.
    public init(
        baseURL: String = "https://api.anthropic.com",
        apiKey: String,
        client: HTTPClient,
        retry: RetryPolicy = RetryPolicy(),
        clock: some Clock<Duration> = ContinuousClock(),
        logger: Logger? = nil
    ) {
        self.baseURL = Self.apiRoot(baseURL)
        self.apiKey = apiKey
        self.client = client
        self.retry = retry
        self.clock = clock
        self.logger = logger
    }

    /// The API root including `/v1` for a base URL written with or without it, without a trailing slash.
    static func apiRoot(_ baseURL: String) -> String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base.hasSuffix("/v1") ? base : base + "/v1"
    }

    /// The base URL; the key is never part of it.
    public var description: String { "AnthropicBatchAPI(\(RedactedURL.string(baseURL)))" }

    /// Creates a batch from a file holding the whole `{"requests":[...]}` body, streamed from disk.
    ///
    /// Never retried: a failure after the server took the body may have created the batch, and Anthropic
    /// keeps no metadata to find it by. The caller reconciles by listing (`recentBatches`) before trying again.
    public func createBatch(bodyFile path: String) async throws(AnthropicAPIError) -> AnthropicMessageBatch {
        let response = try await send(
            "POST", "/messages/batches", body: .file(path: path, contentType: "application/json"), retry: .never)
        return try decode(AnthropicMessageBatch.self, from: response, operation: "POST /v1/messages/batches")
    }

    /// Returns a batch (`GET /v1/messages/batches/{id}`), the call meant for polling.
    public func retrieveBatch(id: String) async throws(AnthropicAPIError) -> AnthropicMessageBatch {
        let path = "/messages/batches/\(OpenAIURLText.escape(id))"
        return try decode(AnthropicMessageBatch.self, from: try await send("GET", path), operation: "GET /v1" + path)
    }

    /// Asks for a batch to be cancelled; it goes to `canceling`, then `ended` with some requests `canceled`.
    public func cancelBatch(id: String) async throws(AnthropicAPIError) -> AnthropicMessageBatch {
        let path = "/messages/batches/\(OpenAIURLText.escape(id))/cancel"
        return try decode(AnthropicMessageBatch.self, from: try await send("POST", path), operation: "POST /v1" + path)
    }

    /// Deletes an ended batch and its results.
    @discardableResult
    public func deleteBatch(id: String) async throws(AnthropicAPIError) -> AnthropicBatchDeletion {
        let path = "/messages/batches/\(OpenAIURLText.escape(id))"
        return try decode(AnthropicBatchDeletion.self, from: try await send("DELETE", path), operation: "DELETE /v1" + path)
    }

    /// One page of batches, most recent first (`GET /v1/messages/batches?limit=&after_id=`); `limit` 1–1000.
    public func listBatches(afterID: String? = nil, limit: Int = 100) async throws(AnthropicAPIError) -> AnthropicBatchPage {
        var query = [("limit", String(limit))]
        if let afterID { query.append(("after_id", afterID)) }
        let response = try await send("GET", "/messages/batches", query: query)
        return try decode(AnthropicBatchPage.self, from: response, operation: "GET /v1/messages/batches")
    }

    /// Every batch created at or after `since`, most recent first, paging on `last_id`; stops at the first
    /// older batch.
    public func recentBatches(since: Date, pageSize: Int = 100) async throws(AnthropicAPIError) -> [AnthropicMessageBatch] {
        var found: [AnthropicMessageBatch] = []
        var after: String?
        while true {
            let page = try await listBatches(afterID: after, limit: pageSize)
            for batch in page.data {
                if let created = batch.created, created < since { return found }
                found.append(batch)
            }
            guard page.hasMore, let last = page.lastID, last != after else { return found }
            after = last
        }
    }

    /// Streams an ended batch's results JSONL into `path` (`GET /v1/messages/batches/{id}/results`).
    ///
    /// The path under this client's base URL is used rather than the batch's `results_url`, so a proxy or
    /// gateway in `base_url` is honoured for the download too; on the real API they are the same address.
    public func downloadResults(id: String, to path: String) async throws(AnthropicAPIError) -> Int64 {
        let route = "/messages/batches/\(OpenAIURLText.escape(id))/results"
        return try await send("GET", route, accept: "application/x-jsonl", responseBodyFile: path).bodyBytes
    }

    /// Sends one call and returns its 2xx response; error statuses become `AnthropicAPIError`.
    func send(
        _ method: String,
        _ path: String,
        query: [(String, String)] = [],
        body: HTTPRequestBody = .none,
        accept: String = "application/json",
        responseBodyFile: String? = nil,
        retry override: RetryPolicy? = nil
    ) async throws(AnthropicAPIError) -> HTTPResponse {
        let operation = "\(method) /v1\(path)"
        let url = APICall.url(baseURL, path, query: query)
        let request = HTTPRequest(
            method: method, url: url,
            headers: [
                HTTPHeader("x-api-key", apiKey), HTTPHeader("anthropic-version", Self.version), HTTPHeader("Accept", accept),
            ],
            body: body, responseBodyFile: responseBodyFile)
        let response: HTTPResponse
        do {
            response = try await APICall.execute(
                request, on: client, retry: override ?? retry, clock: clock, logger: logger)
        } catch {
            logger?.warning("Anthropic call failed", metadata: ["anthropic.operation": "\(operation)", "error": "\(error)"])
            throw AnthropicAPIError(transport: error, operation: operation)
        }
        logger?.debug(
            "Anthropic call",
            metadata: [
                "anthropic.operation": "\(operation)", "http.status": "\(response.status)",
                "anthropic.request_id": "\(response.headers["request-id"] ?? "")",
            ])
        guard response.isSuccess else { throw AnthropicAPIError(response: response, operation: operation) }
        return response
    }

    /// Decodes a 2xx JSON body; a mismatch becomes `anthropic.decode`.
    func decode<Value: Decodable>(_ type: Value.Type, from response: HTTPResponse, operation: String)
        throws(AnthropicAPIError) -> Value
    {
        do {
            return try JSONDecoder().decode(type, from: Data(response.body))
        } catch {
            throw AnthropicAPIError(
                code: .decode, operation: operation, status: response.status, requestID: response.headers["request-id"],
                message: "unexpected body for \(Value.self): \(error); body starts \(response.bodyText.prefix(200))")
        }
    }
}
