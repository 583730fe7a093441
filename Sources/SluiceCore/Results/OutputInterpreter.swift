import Foundation
import SluiceJSON

/// Turns a provider response into a row's output, validating it against the spec's schema.
public struct OutputInterpreter: Sendable {
    let endpoint: Endpoint
    let schema: JSONSchema?
    let format: WireFormat
    let structured: StructuredMode

    /// An interpreter for one pipeline's responses in `format`.
    public init(spec: PipelineSpec, format: WireFormat = .openAIBatch) {
        endpoint = spec.endpoint
        schema = spec.output.schema
        self.format = format
        structured = spec.output.structured
    }

    /// Token counts reported for one request.
    public struct Usage: Sendable, Equatable {
        public var input: Int
        public var output: Int

        public init(input: Int, output: Int) {
            self.input = input
            self.output = output
        }
    }

    /// The result of one request: the output value or why there is none, the raw model text, the usage.
    public struct Interpretation: Sendable {
        public var output: Result<JSONValue, RowFailure>
        public var raw: String?
        public var usage: Usage?

        public init(output: Result<JSONValue, RowFailure>, raw: String?, usage: Usage?) {
            self.output = output
            self.raw = raw
            self.usage = usage
        }
    }

    /// Interprets what a result line reported for one request, as the outbox records it: a response is
    /// interpreted and validated; a provider failure stays as it is, with the provider's words (`line`, the
    /// result line as received) as its raw payload and no usage.
    public func interpret(_ outcome: ResultLine.Outcome, line: @autoclosure () -> String) -> Interpretation {
        switch outcome {
        case .failed(let failure): return Interpretation(output: .failure(failure), raw: line(), usage: nil)
        case .response(let body): return interpret(body: body)
        }
    }

    /// Interprets a successful response body.
    public func interpret(body: JSONValue) -> Interpretation {
        let usage = body["usage"].map { u in
            Usage(
                input: Int(u["prompt_tokens"]?.numberValue ?? u["input_tokens"]?.numberValue ?? 0),
                output: Int(u["completion_tokens"]?.numberValue ?? u["output_tokens"]?.numberValue ?? 0))
        }
        if format == .anthropicBatch { return interpretMessage(body: body, usage: usage) }
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
        return interpretMessage(
            content: message["content"]?.stringValue ?? "", refusal: message["refusal"]?.stringValue,
            truncated: choice["finish_reason"]?.stringValue == "length", usage: usage)
    }

    /// Whether `interpret(chat:)` may stand in for `interpret(_:line:)` on this pipeline's lines.
    var readsOpenAIChatLines: Bool { format == .openAIBatch && endpoint == .chat }

    /// Interprets a chat line read on its bytes (`readsOpenAIChatLines` pipelines only), as `interpret(body:)`
    /// does the same line's parsed body.
    func interpret(chat line: OpenAIChatLine) -> Interpretation {
        interpretMessage(content: line.content, refusal: line.refusal, truncated: line.truncated, usage: line.usage)
    }

    /// Appends to `out` the compact text of a chat line's answer and returns true when the answer is valid against
    /// the schema judged on its bytes (`JSONSchema.appendValidCompact`); the outcome is then the success
    /// `interpret(chat:)` gives, without the tree. False (a refusal, no schema, or not settled on bytes): use
    /// `interpret(chat:)`.
    func appendValidAnswer(chat line: OpenAIChatLine, to out: inout [UInt8]) -> Bool {
        guard Self.validatesOnBytes, line.refusal == nil, let schema else { return false }
        var content = line.content
        return content.withUTF8 { schema.appendValidCompact(UnsafeRawBufferPointer($0), to: &out) }
    }

    /// False when `SLUICE_INGEST_FAST_PATHS=0`: every answer is then parsed and validated as a tree, so a benchmark
    /// can compare the two ways in one build and one run.
    static let validatesOnBytes = getenv("SLUICE_INGEST_FAST_PATHS").map { String(cString: $0) } != "0"

    /// A chat choice's message: a refusal, or the content validated.
    private func interpretMessage(content: String, refusal: String?, truncated: Bool, usage: Usage?) -> Interpretation {
        if let refusal {
            return Interpretation(
                output: .failure(RowFailure(category: .permanent, code: "output.refusal", message: "the model refused: \(refusal)")),
                raw: refusal, usage: usage)
        }
        return validate(text: content, truncated: truncated, usage: usage)
    }

    /// An Anthropic Message: the JSON is the text (json_schema mode) or the forced tool's input (tool mode).
    private func interpretMessage(body: JSONValue, usage: Usage?) -> Interpretation {
        let blocks = body["content"]?.arrayValue ?? []
        let stop = body["stop_reason"]?.stringValue
        let text = blocks.filter { $0["type"] == "text" }.compactMap { $0["text"]?.stringValue }.joined()
        if stop == "refusal" {
            return Interpretation(
                output: .failure(RowFailure(category: .permanent, code: "output.refusal", message: "the model refused")),
                raw: text, usage: usage)
        }
        if schema != nil && structured == .tool {
            guard let input = blocks.first(where: { $0["type"] == "tool_use" })?["input"] else {
                let code = stop == "max_tokens" ? "output.truncated" : "output.no_tool_use"
                return Interpretation(
                    output: .failure(
                        RowFailure(category: .schema, code: code, message: "the answer has no tool_use block")),
                    raw: text, usage: usage)
            }
            return validate(value: input, raw: JSONWriter.string(input), usage: usage)
        }
        return validate(text: text, truncated: stop == "max_tokens", usage: usage)
    }

    /// Checks model text against the schema (or passes it through without one).
    private func validate(text content: String, truncated: Bool, usage: Usage?) -> Interpretation {
        let finish: String? = truncated ? "length" : nil
        guard schema != nil else {
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
        return validate(value: value, raw: content, usage: usage)
    }

    private func validate(value: JSONValue, raw: String, usage: Usage?) -> Interpretation {
        guard let schema else { return Interpretation(output: .success(value), raw: raw, usage: usage) }
        let violations = schema.validate(value)
        if let first = violations.first {
            let message = violations.prefix(5).map(\.message).joined(separator: "; ")
            return Interpretation(
                output: .failure(RowFailure(category: .schema, code: first.code, message: message, path: first.path)),
                raw: raw, usage: usage)
        }
        return Interpretation(output: .success(value), raw: raw, usage: usage)
    }
}
