import Logging
import SluiceCore
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

/// A provider API client's error, as the engine needs it: a stable code, whether trying again can help, and
/// whether it only says the calling task was cancelled.
protocol ProviderAPIFailure: Error {
    var stableCode: String { get }
    var message: String { get }
    var status: Int? { get }
    var isTransient: Bool { get }
    var isCancellation: Bool { get }
}

extension APICall {
    /// Runs a provider API call, translating its client's error into the engine's `ProviderError`.
    static func translated<T, Failure: ProviderAPIFailure>(
        _ failure: Failure.Type, _ body: () async throws -> T
    ) async throws -> T {
        do {
            return try await body()
        } catch let error as Failure {
            // Shutdown, not a provider answer: the caller stops at its recorded stage.
            if error.isCancellation { throw CancellationError() }
            throw ProviderError(
                code: error.stableCode, message: error.message, httpStatus: error.status, retryable: error.isTransient)
        }
    }
}

extension OpenAIAPIError: ProviderAPIFailure {
    var stableCode: String { code.rawValue }
    var isCancellation: Bool { code == .cancelled }
}

extension AnthropicAPIError: ProviderAPIFailure {
    var stableCode: String { code.rawValue }
    var isCancellation: Bool { code == .cancelled }
}
