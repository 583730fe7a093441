import Foundation

/// Which failures to retry and how long to wait: exponential backoff with full jitter, or the
/// server's own `retry-after-ms` / `Retry-After`, capped at `maxBackoff`.
///
/// Retried: transport failures (`http.transport`, `http.timeout`, `http.connect`) and statuses
/// 408, 409, 429 and 5xx. A response header `x-should-retry: true|false` overrides the status rule,
/// as the OpenAI and Anthropic SDKs do.
public struct RetryPolicy: Sendable {
    /// Attempts in total, the first one included; 1 means never retry.
    public var maxAttempts: Int
    /// The backoff ceiling after the first failed attempt.
    public var initialBackoff: Duration
    /// The largest wait, for computed backoff and server-requested delays alike.
    public var maxBackoff: Duration
    /// Growth of the backoff ceiling per attempt.
    public var multiplier: Double

    /// Creates a policy; the defaults suit provider APIs.
    public init(
        maxAttempts: Int = 5,
        initialBackoff: Duration = .milliseconds(500),
        maxBackoff: Duration = .seconds(30),
        multiplier: Double = 2
    ) {
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.multiplier = multiplier
    }

    /// A policy that performs exactly one attempt.
    public static let never = RetryPolicy(maxAttempts: 1)

    /// Whether a status is worth retrying: 408, 409, 429 and 5xx.
    public static func isRetryable(status: Int) -> Bool {
        status == 408 || status == 409 || status == 429 || status >= 500
    }

    /// How long to wait before the next attempt, or nil to stop.
    ///
    /// `attempt` is the 1-based number of the attempt that just finished with `response` or `error`;
    /// `now` is the wall-clock time that an HTTP-date `Retry-After` is measured from.
    public func delay(
        forAttempt attempt: Int,
        response: HTTPResponse?,
        error: HTTPError?,
        random: inout some RandomNumberGenerator,
        now: Date = Date()
    ) -> Duration? {
        guard attempt < maxAttempts else { return nil }
        if let error {
            return error.isTransient ? backoff(forAttempt: attempt, random: &random) : nil
        }
        guard let response, !response.isSuccess else { return nil }
        switch response.headers["x-should-retry"]?.lowercased() {
        case "false": return nil
        case "true": break
        default: guard Self.isRetryable(status: response.status) else { return nil }
        }
        if let requested = RetryAfter.delay(in: response.headers, now: now) {
            return min(requested, maxBackoff)
        }
        return backoff(forAttempt: attempt, random: &random)
    }

    /// A uniformly random wait between zero and the attempt's exponential ceiling ("full jitter").
    func backoff(forAttempt attempt: Int, random: inout some RandomNumberGenerator) -> Duration {
        let initial = initialBackoff.secondsValue
        let cap = maxBackoff.secondsValue
        let ceiling = min(cap, initial * pow(max(1, multiplier), Double(max(0, attempt - 1))))
        guard ceiling > 0, ceiling.isFinite else { return .zero }
        let nanos = UInt64(ceiling * 1e9)
        return .nanoseconds(Int64(UInt64.random(in: 0...nanos, using: &random)))
    }
}

extension Duration {
    /// The duration in seconds as a floating-point number.
    var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
