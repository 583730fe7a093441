import SluiceJSON

extension DeterministicModel {
    /// The text a batch line's triggers are looked for in, as the model reads it for `endpoint`: the `user`
    /// messages (chat), the user input (responses), the prompt (completions), the inputs (embeddings).
    ///
    /// The batch worker needs it for `__sluice_drop_line__`, which is about the result line, not the answer.
    static func triggerText(endpoint: String, body: JSONObject) -> String {
        switch endpoint {
        case "/v1/chat/completions":
            return (body["messages"]?.arrayValue ?? []).filter { $0["role"]?.stringValue == "user" }
                .map { text(of: $0["content"]) }.joined(separator: "\n")
        case "/v1/responses":
            guard let input = body["input"] else { return "" }
            if let s = input.stringValue { return s }
            return (input.arrayValue ?? []).filter { ($0["role"]?.stringValue ?? "user") == "user" }
                .map { text(of: $0["content"]) }.joined(separator: "\n")
        case "/v1/completions", "/v1/embeddings":
            let value = body[endpoint == "/v1/completions" ? "prompt" : "input"]
            return value?.stringValue ?? (value?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: "\n")
        default:
            return ""
        }
    }

    /// The text of the `user` messages of Messages `params`, where triggers are looked for.
    static func triggerText(messageParams params: JSONObject) -> String {
        (params["messages"]?.arrayValue ?? []).filter { $0["role"]?.stringValue == "user" }
            .map { text(of: $0["content"]) }.joined(separator: "\n")
    }

    /// True when a line fault of `kind` changes a request to `endpoint` (OpenAI; nil endpoint: Anthropic):
    /// content faults need an answer with content, so embeddings take only `line_error` and `missing_line`.
    static func lineFault(_ kind: FaultKind, applies endpoint: String?) -> Bool {
        switch kind {
        case .lineError, .missingLine: return true
        case .truncated: return endpoint != "/v1/embeddings"
        case .schemaInvalid, .notJSON: return endpoint == nil || endpoint == "/v1/chat/completions"
            || endpoint == "/v1/responses"
        default: return false
        }
    }
}
