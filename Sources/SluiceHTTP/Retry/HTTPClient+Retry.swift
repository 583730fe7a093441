import Logging

extension HTTPClient {
    /// Performs a request, retrying transient failures as `retry` says and sleeping on `clock`.
    ///
    /// Returns the last response when its status is not retryable or attempts run out (non-2xx
    /// included); throws the last `HTTPError` when the final attempt failed in transport.
    /// Cancellation during a backoff sleep throws `http.cancelled`.
    public func execute(
        _ request: HTTPRequest,
        retry: RetryPolicy,
        clock: some Clock<Duration> = ContinuousClock(),
        logger: Logger? = nil
    ) async throws(HTTPError) -> HTTPResponse {
        var generator = SystemRandomNumberGenerator()
        var attempt = 1
        while true {
            var response: HTTPResponse?
            var failure: HTTPError?
            do {
                response = try await execute(request)
            } catch {
                failure = error
            }
            guard let wait = retry.delay(forAttempt: attempt, response: response, error: failure, random: &generator)
            else {
                if let response { return response }
                throw failure!
            }
            logger?.notice(
                "retrying HTTP request",
                metadata: [
                    "http.request": "\(request)",
                    "http.attempt": "\(attempt)",
                    "http.outcome": "\(response.map { "status \($0.status)" } ?? failure.map { "\($0.code)" } ?? "")",
                    "http.retry_in": "\(wait)",
                ]
            )
            do {
                try await clock.sleep(for: wait)
            } catch {
                throw HTTPError(code: .cancelled, message: "cancelled while waiting to retry", url: request.url)
            }
            attempt += 1
        }
    }
}
