import SluiceJSON

/// Builds OpenAI Batch input lines: `{custom_id, method, url, body}` (batch-api-wire.md §1.7).
public enum OpenAIRequestFormat {
    /// The line layout for a pipeline. Structured output goes as `response_format` json_schema, strict.
    public static func line(for spec: PipelineSpec) -> RequestLine {
        var fields: [FieldPath] = []
        var parts: [RequestLine.Part] = []
        func constant(_ text: String) { parts.append(.bytes(Array(text.utf8))) }
        func json(_ value: JSONValue) -> String { JSONWriter.string(value) }

        constant(#"{"custom_id":""#)
        parts.append(.customID)
        constant(#"","method":"POST","url":"# + json(.string(spec.endpoint.openAIPath)) + #","body":{"model":"#)
        constant(json(.string(spec.model)))
        switch spec.endpoint {
        case .chat:
            constant(#","messages":["#)
            if let system = spec.system {
                constant(#"{"role":"system","content":""#)
                parts.append(.template(CompiledTemplate(system, fields: &fields)))
                constant(#""},"#)
            }
            constant(#"{"role":"user","content":""#)
            parts.append(.template(CompiledTemplate(spec.prompt, fields: &fields)))
            constant(#""}]"#)
        case .embeddings:
            constant(#","input":""#)
            parts.append(.template(CompiledTemplate(spec.prompt, fields: &fields)))
            constant(#"""#)
        }
        for (key, value) in spec.params {
            constant("," + json(.string(key)) + ":" + json(value))
        }
        if spec.endpoint == .chat, let schema = spec.output.wireSchema {
            let format: JSONValue = [
                "type": "json_schema",
                "json_schema": ["name": .string(spec.output.schemaName), "strict": true, "schema": schema],
            ]
            constant(#","response_format":"# + json(format))
        }
        constant("}}\n")
        return RequestLine(
            parts: RequestLine.merged(parts), fields: fields, tokens: spec.endpoint == .embeddings ? .text : .chat)
    }
}
