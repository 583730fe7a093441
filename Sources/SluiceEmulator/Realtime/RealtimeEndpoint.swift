/// The realtime OpenAI endpoints the emulator serves, by path.
enum RealtimeEndpoint: String, CaseIterable, Sendable {
    /// `POST /v1/chat/completions`.
    case chatCompletions = "/v1/chat/completions"
    /// `POST /v1/embeddings`.
    case embeddings = "/v1/embeddings"
}

/// How one realtime call was answered, as `realtime` stats count it.
enum RealtimeOutcome: Sendable {
    /// 200 with the model's answer.
    case answered
    /// 429 (only ever an injected fault).
    case rateLimited
    /// 5xx: an injected fault or `__sluice_fail__`.
    case serverError
    /// Any other 4xx: bad body, unknown model, `stream: true`, ...
    case clientError

    /// The outcome an HTTP status stands for.
    init(status: Int) {
        switch status {
        case 200..<300: self = .answered
        case 429: self = .rateLimited
        case 500...: self = .serverError
        default: self = .clientError
        }
    }
}
