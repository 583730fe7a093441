import Foundation

/// What an injected fault answers on the Anthropic paths: the real status, error type and headers.
extension FaultKind {
    /// The requests-per-minute limit an Anthropic 429 names (nominal, like the OpenAI one).
    static let nominalAnthropicRequestsPerMinute = 50

    /// The Anthropic error and extra headers for an `http429` fault (every other kind gets `http5xx`'s
    /// answer: 500 `api_error` or 529 `overloaded_error`, by the variant's low bit).
    func anthropicAnswer(variant: UInt64, retryAfterSeconds: Double) -> (
        error: AnthropicError, headers: [(String, String)]
    ) {
        if self == .http429 { return Self.anthropicRateLimited(retryAfterSeconds: retryAfterSeconds) }
        return (variant & 1 == 0 ? AnthropicError.internalServerError : Self.anthropicOverloaded, [])
    }

    /// 529 as the real API sends it when it is overloaded (AERR table).
    static let anthropicOverloaded = AnthropicError(status: 529, message: "Overloaded")

    /// 429 `rate_limit_error` in the real API's words, with `retry-after` and `anthropic-ratelimit-requests-*`.
    static func anthropicRateLimited(retryAfterSeconds: Double) -> (error: AnthropicError, headers: [(String, String)])
    {
        let limit = nominalAnthropicRequestsPerMinute
        let error = AnthropicError(
            status: 429,
            message: "This request would exceed the rate limit for your organization (org-sluice-emulator) of "
                + "\(limit) requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. "
                + "You can see the response headers for current usage. Please reduce the prompt length or the "
                + "maximum tokens requested, or try again later.")
        let reset = RFC3339.string(Date().timeIntervalSince1970 + retryAfterSeconds)
        return (
            error,
            [
                ("retry-after", decimal(retryAfterSeconds)),
                ("anthropic-ratelimit-requests-limit", String(limit)),
                ("anthropic-ratelimit-requests-remaining", "0"),
                ("anthropic-ratelimit-requests-reset", reset),
            ]
        )
    }

    /// The 429 a Message Batch create gets under `queue_full`: the queue of batch requests is full. The real
    /// wording is unconfirmed; the type and status are the documented ones for queue limits (AGUIDE §2.6).
    static func anthropicQueueFull(retryAfterSeconds: Double) -> (error: AnthropicError, headers: [(String, String)]) {
        let error = AnthropicError(
            status: 429,
            message: "Number of batch requests in the processing queue would exceed the limit of 100,000 for your "
                + "organization (org-sluice-emulator). Please try again once some of your in-progress batches "
                + "have ended.")
        return (error, [("retry-after", decimal(retryAfterSeconds))])
    }
}
