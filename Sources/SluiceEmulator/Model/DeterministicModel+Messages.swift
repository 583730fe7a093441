import SluiceJSON

/// What one Messages request came to.
enum MessageOutcome {
    /// A Message object and its token counts.
    case message(JSONValue, inputTokens: Int, outputTokens: Int)
    /// An error for this request only (an `errored` result, or the HTTP error of a realtime request).
    case error(AnthropicError)
    /// `__sluice_expire__` in a batch: the request ends `expired`.
    case expired
}

extension DeterministicModel {
    /// Answers a Messages request (`params` of a batch request when `inBatch`) with a Message:
    /// forced tool → one `tool_use` block (`stop_reason` `tool_use`); `output_config.format` json_schema → one
    /// text block of conforming JSON; otherwise deterministic text (`end_turn`). An answer longer than
    /// `max_tokens` is cut (`max_tokens`). Content depends only on the seed and `params`; `ids` supplies ids.
    /// `forced` is applied as if the user text held that trigger (a drawn line fault).
    func message(
        _ params: JSONObject, inBatch: Bool, ids: inout SplitMix64, forced: FaultTriggers.Trigger? = nil
    ) -> MessageOutcome {
        let request: MessageRequest
        switch MessageRequest.parse(params, inBatch: inBatch) {
        case .success(let r): request = r
        case .failure(let error): return .error(error)
        }
        let triggers = FaultTriggers(request.userText, forcing: forced)
        if inBatch && triggers.expire { return .expired }
        if triggers.fail { return .error(.internalServerError) }
        let messageID = "msg_01" + ids.base62(22)
        var random = self.random(for: params)
        var content: [JSONValue]
        var stopReason = "end_turn"
        var outputTokens: Int
        switch request.shape {
        case .tool(let name, let schema) where !triggers.notJSON:
            var generator = SchemaValueGenerator(root: schema, random: random)
            var input = generator.generate()
            if triggers.invalid { input = SchemaViolation.violate(input, schema: schema, root: schema) }
            outputTokens = Self.tokens(bytes: JSONWriter.bytes(input).count)
            stopReason = "tool_use"
            if outputTokens > request.maxTokens || triggers.truncate {
                // Cut off while writing the arguments: the call arrives without them.
                input = [:]
                outputTokens = outputTokens > request.maxTokens ? request.maxTokens : max(1, outputTokens / 2)
                stopReason = "max_tokens"
            }
            content = [
                ["type": "tool_use", "id": .string("toolu_01" + ids.base62(22)), "name": .string(name), "input": input]
            ]
        case .tool:
            content = [Self.textBlock(Self.notJSONContent)]
            outputTokens = Self.tokens(bytes: Self.notJSONContent.utf8.count)
        case .text, .jsonSchema:
            let shape: ContentShape
            if case .jsonSchema(let schema) = request.shape { shape = .jsonSchema(schema) } else { shape = .text }
            var text = Self.content(shape: shape, triggers: triggers, random: &random)
            if let cut = Self.truncated(text, maxTokens: request.maxTokens) {
                text = cut
                stopReason = "max_tokens"
            } else if triggers.truncate {
                text = Self.cutInHalf(text)
                stopReason = "max_tokens"
            }
            content = [Self.textBlock(text)]
            outputTokens = Self.tokens(bytes: text.utf8.count)
        }
        let inputTokens = max(1, Self.tokens(bytes: request.promptBytes))
        let message: JSONValue = [
            "id": .string(messageID),
            "type": "message",
            "role": "assistant",
            "model": .string(request.model),
            "content": .array(content),
            "stop_reason": .string(stopReason),
            "stop_sequence": nil,
            "usage": ["input_tokens": .int(inputTokens), "output_tokens": .int(outputTokens)],
        ]
        return .message(message, inputTokens: inputTokens, outputTokens: outputTokens)
    }

    /// A `text` content block.
    static func textBlock(_ text: String) -> JSONValue {
        ["type": "text", "text": .string(text)]
    }
}
