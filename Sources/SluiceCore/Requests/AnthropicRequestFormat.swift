import SluiceJSON

/// Builds Anthropic Message Batches requests: `{custom_id, params}` (batch-api-wire.md §2.2), one per line,
/// framed by the chunk writer into the create call's `{"requests":[...]}` body.
public enum AnthropicRequestFormat {
    /// `max_tokens` is required by the Messages API; used when the spec's params do not set it.
    public static let defaultMaxTokens = 1024

    /// The line layout for a pipeline. Structured output goes as `output_config.format` json_schema, or as a
    /// forced tool whose `input_schema` is the schema when the spec says `structured: tool`.
    public static func line(for spec: PipelineSpec) -> RequestLine {
        var fields: [FieldPath] = []
        var parts: [RequestLine.Part] = []
        func constant(_ text: String) { parts.append(.bytes(Array(text.utf8))) }
        func json(_ value: JSONValue) -> String { JSONWriter.string(value) }

        constant(#"{"custom_id":""#)
        parts.append(.customID)
        constant(#"","params":{"model":"# + json(.string(spec.model)))
        if spec.params["max_tokens"] == nil { constant(#","max_tokens":\#(defaultMaxTokens)"#) }
        if let system = spec.system {
            constant(#","system":""#)
            parts.append(.template(CompiledTemplate(system, fields: &fields)))
            constant(#"""#)
        }
        constant(#","messages":[{"role":"user","content":""#)
        parts.append(.template(CompiledTemplate(spec.prompt, fields: &fields)))
        constant(#""}]"#)
        for (key, value) in spec.params {
            constant("," + json(.string(key)) + ":" + json(value))
        }
        if let schema = spec.output.wireSchema {
            switch spec.output.structured {
            case .jsonSchema:
                constant(#","output_config":"# + json(["format": ["type": "json_schema", "schema": schema]]))
            case .tool:
                let name = JSONValue.string(spec.output.schemaName)
                let tool: JSONValue = [
                    "name": name, "description": "Record the answer for this input.", "input_schema": schema,
                ]
                constant(#","tools":"# + json(.array([tool])) + #","tool_choice":"# + json(["type": "tool", "name": name]))
            }
        }
        constant("}}\n")
        return RequestLine(parts: RequestLine.merged(parts), fields: fields, tokens: .chat)
    }
}
