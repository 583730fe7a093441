import Logging
import SluiceHTTP

/// What the provider API clients share: the URL of a call and sending it through the retrying transport.
enum APICall {
    /// `base + path`, with `query` percent-encoded.
    static func url(_ base: String, _ path: String, query: [(String, String)]) -> String {
        guard !query.isEmpty else { return base + path }
        return base + path + "?"
            + query.map { "\(OpenAIURLText.escape($0.0))=\(OpenAIURLText.escape($0.1))" }.joined(separator: "&")
    }

    /// Sends `request` with retries; opens the stored existential clock for the generic client call.
    static func execute(
        _ request: HTTPRequest, on client: HTTPClient, retry: RetryPolicy, clock: any Clock<Duration>, logger: Logger?
    ) async throws(HTTPError) -> HTTPResponse {
        try await execute(request, on: client, retry: retry, opened: clock, logger: logger)
    }

    private static func execute<C: Clock<Duration>>(
        _ request: HTTPRequest, on client: HTTPClient, retry: RetryPolicy, opened clock: C, logger: Logger?
    ) async throws(HTTPError) -> HTTPResponse {
        try await client.execute(request, retry: retry, clock: clock, logger: logger)
    }
}
