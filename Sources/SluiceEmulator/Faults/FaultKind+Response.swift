/// What an injected fault answers: the real API's status, envelope and headers.
extension FaultKind {
    /// The requests-per-minute limit a 429 names. Nominal: the emulator enforces no limit, it only
    /// answers as if one had been reached.
    static let nominalRequestsPerMinute = 500
    /// The tokens-per-minute limit the `x-ratelimit-*-tokens` headers name (nominal too).
    static let nominalTokensPerMinute = 200_000

    /// The OpenAI error and extra headers for an `http429` fault (every other kind gets `http5xx`'s answer:
    /// only the two HTTP kinds are answered with an error) on a call for `model` (nil when none was named).
    func answer(model: String?, variant: UInt64, retryAfterSeconds: Double) -> (
        error: APIError, headers: [(String, String)]
    ) {
        if self == .http429 { return Self.rateLimited(model: model, retryAfterSeconds: retryAfterSeconds) }
        return (variant & 1 == 0 ? DeterministicModel.serverError : Self.overloaded, [])
    }

    /// 503 as observed from the real API (type `server_error`, no code; agi-merge/waggle-dance#53).
    static let overloaded = APIError(
        status: 503,
        message: "That model is currently overloaded with other requests. You can retry your request, or contact "
            + "us through our help center at help.openai.com if the error persists.",
        type: "server_error")

    /// 429 in the words the real API uses (continuedev/continue#10502; wire reference §1.11), on the
    /// requests-per-minute limit, with `retry-after` and the `x-ratelimit-*` headers of synchronous endpoints.
    static func rateLimited(model: String?, retryAfterSeconds: Double) -> (error: APIError, headers: [(String, String)])
    {
        let limit = nominalRequestsPerMinute
        let wait = goDuration(retryAfterSeconds)
        let subject = model.map { "for \($0) in" } ?? "in"
        let error = APIError(
            status: 429,
            message: "Rate limit reached \(subject) organization org-sluice-emulator on requests per min (RPM): "
                + "Limit \(limit), Used \(limit), Requested 1. Please try again in \(wait). "
                + "Visit https://platform.openai.com/account/rate-limits to learn more.",
            type: "requests", code: "rate_limit_exceeded")
        let headers = [
            ("retry-after", decimal(retryAfterSeconds)),
            ("x-ratelimit-limit-requests", String(limit)),
            ("x-ratelimit-remaining-requests", "0"),
            ("x-ratelimit-reset-requests", wait),
            ("x-ratelimit-limit-tokens", String(nominalTokensPerMinute)),
            ("x-ratelimit-remaining-tokens", String(nominalTokensPerMinute)),
            ("x-ratelimit-reset-tokens", "0s"),
        ]
        return (error, headers)
    }

    /// Seconds as `Retry-After` text: whole seconds without a fraction ("1"), else up to milliseconds ("0.25").
    static func decimal(_ seconds: Double) -> String {
        let millis = Int((seconds * 1000).rounded())
        if millis % 1000 == 0 { return String(millis / 1000) }
        var fraction = String(millis % 1000)
        while fraction.count < 3 { fraction = "0" + fraction }
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(millis / 1000).\(fraction)"
    }

    /// A duration as Go prints it, as the `x-ratelimit-reset-*` headers carry it: `250ms`, `1s`, `1.5s`, `2m0s`.
    static func goDuration(_ seconds: Double) -> String {
        let millis = Int((seconds * 1000).rounded())
        if millis == 0 { return "0s" }
        if millis < 1000 { return "\(millis)ms" }
        let minutes = millis / 60_000
        let rest = decimal(Double(millis % 60_000) / 1000)
        return minutes > 0 ? "\(minutes)m\(rest)s" : "\(rest)s"
    }
}
