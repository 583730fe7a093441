import SluiceJSON

/// Turns a provider response into a row's output, validating it against the spec's schema.
public struct OutputInterpreter: Sendable {
    let endpoint: Endpoint
    let schema: JSONSchema?

    /// An interpreter for one pipeline.
    public init(spec: PipelineSpec) {
        endpoint = spec.endpoint
        schema = spec.output.schema
    }

    /// Token counts reported for one request.
    public struct Usage: Sendable, Equatable {
        public var input: Int
        public var output: Int
    }

    /// The result of one request: the output value or why there is none, the raw model text, the usage.
    public struct Interpretation: Sendable {
        public var output: Result<JSONValue, RowFailure>
        public var raw: String?
        public var usage: Usage?
    }

    /// Interprets a successful response body.
    public func interpret(body: JSONValue) -> Interpretation {
        let usage = body["usage"].map { u in
            Usage(
                input: Int(u["prompt_tokens"]?.numberValue ?? u["input_tokens"]?.numberValue ?? 0),
                output: Int(u["completion_tokens"]?.numberValue ?? u["output_tokens"]?.numberValue ?? 0))
        }
        switch endpoint {
        case .embeddings:
            guard let vector = body["data"]?.arrayValue?.first?["embedding"], case .array = vector else {
                return Interpretation(
                    output: .failure(
                        RowFailure(category: .permanent, code: "output.no_embedding", message: "response has no embedding")),
                    raw: nil, usage: usage)
            }
            return Interpretation(output: .success(vector), raw: nil, usage: usage)
        case .chat:
            return interpretChat(body: body, usage: usage)
        }
    }

    private func interpretChat(body: JSONValue, usage: Usage?) -> Interpretation {
        guard let choice = body["choices"]?.arrayValue?.first, let message = choice["message"] else {
            return Interpretation(
                output: .failure(RowFailure(category: .permanent, code: "output.no_choice", message: "response has no choices")),
                raw: nil, usage: usage)
        }
        if let refusal = message["refusal"]?.stringValue {
            return Interpretation(
                output: .failure(RowFailure(category: .permanent, code: "output.refusal", message: "the model refused: \(refusal)")),
                raw: refusal, usage: usage)
        }
        let content = message["content"]?.stringValue ?? ""
        let finish = choice["finish_reason"]?.stringValue
        guard let schema else {
            if finish == "length" {
                return Interpretation(
                    output: .failure(
                        RowFailure(category: .schema, code: "output.truncated", message: "output cut at max_tokens")),
                    raw: content, usage: usage)
            }
            return Interpretation(output: .success(.string(content)), raw: content, usage: usage)
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(content)
        } catch {
            let code = finish == "length" ? "output.truncated" : "output.invalid_json"
            let why = finish == "length" ? "output cut at max_tokens" : "output is not JSON: \(error)"
            return Interpretation(
                output: .failure(RowFailure(category: .schema, code: code, message: why)), raw: content, usage: usage)
        }
        let violations = schema.validate(value)
        if let first = violations.first {
            let message = violations.prefix(5).map(\.message).joined(separator: "; ")
            return Interpretation(
                output: .failure(RowFailure(category: .schema, code: first.code, message: message, path: first.path)),
                raw: content, usage: usage)
        }
        return Interpretation(output: .success(value), raw: content, usage: usage)
    }
}
