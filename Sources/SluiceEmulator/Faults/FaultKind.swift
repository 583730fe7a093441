/// Where a fault kind strikes: one HTTP call, one request inside a batch, or one whole batch.
public enum FaultLayer: String, CaseIterable, Sendable {
    /// Every API call (OpenAI Files/Batches, Anthropic, realtime), drawn per call number.
    case transport
    /// One request of a batch (OpenAI line, Anthropic request), drawn per `custom_id`.
    case line
    /// One batch, drawn per batch id.
    case batch
}

/// A fault the emulator can inject, named as in `--faults` (`http429=0.2`).
///
/// Adding a kind is one case here plus its handling where its layer is applied; parsing, help text, the
/// seeded choice and the stats pick it up from `allCases`. Kinds of one layer are exclusive outcomes of one
/// draw: each takes its share of one uniform number, in declaration order (see `FaultPlan`).
public enum FaultKind: String, CaseIterable, Sendable, Comparable {
    /// HTTP 429 with `retry-after` (OpenAI `rate_limit_exceeded`, Anthropic `rate_limit_error`).
    case http429
    /// HTTP 500 or 503 (OpenAI), 500 `api_error` or 529 `overloaded_error` (Anthropic), half each.
    case http5xx
    /// The connection is closed without a complete response (half the draws after the call took effect).
    case reset
    /// The answer is sent normally, `--slow-ms` late.
    case slow
    /// The request fails on the provider's side (OpenAI 500 `server_error` line, Anthropic `errored` `api_error`).
    case lineError = "line_error"
    /// The output violates the request's schema, as `__sluice_invalid__` does.
    case schemaInvalid = "schema_invalid"
    /// The output is not JSON, as `__sluice_notjson__` does.
    case notJSON = "not_json"
    /// The answer is cut as at max tokens (OpenAI `finish_reason: "length"`, Anthropic `max_tokens`).
    case truncated
    /// The request gets no result line, though the batch counts it as completed.
    case missingLine = "missing_line"
    /// The batch ends expired after processing only the first half of its requests.
    case expire
    /// The batch fails validation (OpenAI); every request `errored` `invalid_request_error` (Anthropic).
    case failValidation = "fail_validation"
    /// The batch processes half its requests and then stays `in_progress` until cancelled.
    case stuck
    /// The enqueued-token limit: OpenAI batch `failed` `token_limit_exceeded`, Anthropic 429 at create.
    case queueFull = "queue_full"

    /// The layer the kind is drawn in.
    public var layer: FaultLayer {
        switch self {
        case .http429, .http5xx, .reset, .slow: return .transport
        case .lineError, .schemaInvalid, .notJSON, .truncated, .missingLine: return .line
        case .expire, .failValidation, .stuck, .queueFull: return .batch
        }
    }

    /// The kinds of one layer, in declaration order.
    public static func kinds(of layer: FaultLayer) -> [FaultKind] {
        allCases.filter { $0.layer == layer }
    }

    /// One line for `sluice emulator --help` and the README.
    public var summary: String {
        switch self {
        case .http429: return "429 with retry-after (OpenAI rate_limit_exceeded, Anthropic rate_limit_error)"
        case .http5xx:
            return "OpenAI 500 server_error or 503 overloaded; Anthropic 500 api_error or 529 overloaded_error"
        case .reset: return "connection closed mid-response; half the draws after the call took effect"
        case .slow: return "the answer is sent --slow-ms late"
        case .lineError: return "batch request fails: OpenAI 500 server_error line, Anthropic errored api_error"
        case .schemaInvalid: return "batch request output violates its schema"
        case .notJSON: return "batch request output is not JSON"
        case .truncated: return "batch request output cut at max tokens (length / max_tokens)"
        case .missingLine: return "batch request gets no result line but is counted as completed"
        case .expire: return "batch expires after processing the first half of its requests"
        case .failValidation: return "OpenAI batch failed naming a line; Anthropic every request errored"
        case .stuck: return "batch processes half its requests, then stays in_progress until cancelled"
        case .queueFull: return "OpenAI batch failed token_limit_exceeded; Anthropic 429 at create"
        }
    }

    /// Declaration order, which is also the order kinds take their share of their layer's draw.
    public static func < (lhs: FaultKind, rhs: FaultKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
