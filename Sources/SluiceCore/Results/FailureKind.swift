/// Why a row failed, across providers: the one table deciding what a retry round may send again.
///
/// Coarser than a failure's `code` (`schema.enum`, `provider.server_error`, ...) and finer than its outbox
/// `category`. Written into every failures.jsonl line as `error.kind` and counted in the manifest.
public enum FailureKind: String, Sendable, Codable, CaseIterable {
    /// The row itself is bad (ragged CSV, invalid UTF-8, a missing template field, too large a request).
    case input
    /// No answer reached us: the connection failed.
    case transport
    /// The provider refused for rate (429).
    case rateLimited = "rate_limited"
    /// The provider refused the request as invalid (4xx other than 429).
    case provider4xx = "provider_4xx"
    /// The provider failed on its side (5xx, overloaded).
    case provider5xx = "provider_5xx"
    /// The provider's queue of enqueued tokens is full: wait and send again, spending no attempt.
    case queueFull = "queue_full"
    /// The batch expired before the request ran.
    case expired
    /// The batch was cancelled before the request ran.
    case cancelled
    /// The model refused to answer (content policy).
    case refusal
    /// The answer was cut at the token limit.
    case truncated
    /// The answer is not JSON (or not the structure asked for: no tool call, no choice).
    case invalidJSON = "invalid_json"
    /// The answer is JSON that breaks the output schema.
    case schema
    /// The provider returned no result for the request.
    case missing
    /// The budget did not allow sending the request.
    case budget
    /// Someone cancelled the file or its batch (`sluice cancel`) before the request was answered: never resent.
    case withdrawn

    /// Whether sending the same request again may succeed. Permanent kinds go straight to the failures file.
    public var retryable: Bool {
        switch self {
        case .transport, .rateLimited, .provider5xx, .queueFull, .expired, .cancelled, .truncated, .invalidJSON,
            .schema, .missing:
            return true
        case .input, .provider4xx, .refusal, .budget, .withdrawn:
            return false
        }
    }

    /// Whether a retry for this kind spends one of the row's attempts (a full queue is the provider's state,
    /// not the request's fault).
    public var spendsAttempt: Bool { self != .queueFull }

    /// The kind of a failure, from its stable code (and, for provider errors without a known code, its category).
    public static func of(code: String, category: RowFailure.Category) -> FailureKind {
        if let known = byCode[code] { return known }
        for (prefix, kind) in byPrefix where code.hasPrefix(prefix) { return kind }
        switch category {
        case .input: return .input
        case .schema: return .schema
        case .budget: return .budget
        case .transient: return code.hasPrefix("provider.") ? .provider5xx : .transport
        case .permanent: return .provider4xx
        }
    }

    /// Codes with a kind of their own.
    static let byCode: [String: FailureKind] = [
        "result.missing": .missing,
        "batch.cancelled": .withdrawn,
        "provider.batch_expired": .expired,
        "provider.batch_cancelled": .cancelled,
        "provider.token_limit_exceeded": .queueFull,
        "provider.rate_limit_exceeded": .rateLimited,
        "provider.rate_limit_error": .rateLimited,
        "provider.server_error": .provider5xx,
        "provider.api_error": .provider5xx,
        "provider.overloaded_error": .provider5xx,
        "provider.timeout_error": .provider5xx,
        "provider.batch_failed": .provider4xx,
        // Other lines broke the batch's validation: this request never ran, as in a cancelled batch.
        "provider.batch_failed_elsewhere": .cancelled,
        "output.truncated": .truncated,
        "output.refusal": .refusal,
        "output.invalid_json": .invalidJSON,
        "output.no_tool_use": .invalidJSON,
        "output.no_choice": .invalidJSON,
        "output.no_embedding": .invalidJSON,
    ]

    /// Families of codes, tried in order after `byCode`.
    static let byPrefix: [(String, FailureKind)] = [
        ("records.", .input), ("template.", .input), ("input.", .input), ("schema.", .schema),
        ("transport.", .transport),
    ]
}
