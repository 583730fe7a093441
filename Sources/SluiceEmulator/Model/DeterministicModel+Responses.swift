import SluiceJSON

extension DeterministicModel {
    /// A `text_completion` for a legacy Completions body (`max_tokens` defaults to 16, as in the real API).
    func completions(
        _ body: JSONObject, created: Int, ids: inout SplitMix64, forced: FaultTriggers.Trigger? = nil
    ) -> ModelAnswer {
        let model: String
        switch modelName(body) {
        case .success(let name): model = name
        case .failure(let error): return .failure(error)
        }
        guard let prompt = body["prompt"] else { return .failure(.missing("prompt")) }
        let promptText = prompt.stringValue ?? (prompt.arrayValue ?? []).compactMap(\.stringValue).joined()
        let triggers = FaultTriggers(promptText, forcing: forced)
        if triggers.fail { return .failure(Self.serverError) }
        var random = self.random(for: body)
        var text = " " + Vocabulary.sentence(words: random.int(in: 6...24), random: &random)
        var finish = "stop"
        if let cut = Self.truncated(text, maxTokens: Int(body["max_tokens"]?.numberValue ?? 16)) {
            text = cut
            finish = "length"
        } else if triggers.truncate {
            text = Self.cutInHalf(text)
            finish = "length"
        }
        let input = max(1, Self.tokens(bytes: promptText.utf8.count))
        let output = Self.tokens(bytes: text.utf8.count)
        let response: JSONValue = [
            "id": .string("cmpl-" + ids.base62(29)),
            "object": "text_completion",
            "created": .int(created),
            "model": .string(model),
            "choices": [["text": .string(text), "index": 0, "logprobs": nil, "finish_reason": .string(finish)]],
            "usage": ["prompt_tokens": .int(input), "completion_tokens": .int(output), "total_tokens": .int(input + output)],
            "system_fingerprint": .string(fingerprint),
        ]
        return .success(body: response, inputTokens: input, outputTokens: output)
    }

    /// A `response` object for a Responses body; `text.format` json_schema is honoured like chat's.
    func responses(
        _ body: JSONObject, created: Int, ids: inout SplitMix64, forced: FaultTriggers.Trigger? = nil
    ) -> ModelAnswer {
        let model: String
        switch modelName(body) {
        case .success(let name): model = name
        case .failure(let error): return .failure(error)
        }
        guard let input = body["input"] else { return .failure(.missing("input")) }
        let userText: String
        if let s = input.stringValue {
            userText = s
        } else {
            userText = (input.arrayValue ?? []).filter { ($0["role"]?.stringValue ?? "user") == "user" }
                .map { Self.text(of: $0["content"]) }.joined(separator: "\n")
        }
        let triggers = FaultTriggers(userText, forcing: forced)
        if triggers.fail { return .failure(Self.serverError) }
        var shape = ContentShape.text
        let format = body["text"]?["format"]
        switch format?["type"]?.stringValue {
        case nil, "text"?: break
        case "json_object"?: shape = .jsonObject
        case "json_schema"?:
            switch Self.schemaShape(format!.objectValue!, paramPrefix: "text.format") {
            case .success(let s): shape = s
            case .failure(let error): return .failure(error)
            }
        case let other?:
            return .failure(.invalidValue("text.format.type", value: other, supported: ["json_schema", "json_object", "text"]))
        }
        var random = self.random(for: body)
        var content = Self.content(shape: shape, triggers: triggers, random: &random)
        let maxTokens = body["max_output_tokens"]?.numberValue.map { Int($0) }
        var status = "completed"
        var incomplete: JSONValue = nil
        if let maxTokens, let cut = Self.truncated(content, maxTokens: maxTokens) {
            content = cut
            status = "incomplete"
            incomplete = ["reason": "max_output_tokens"]
        } else if triggers.truncate {
            content = Self.cutInHalf(content)
            status = "incomplete"
            incomplete = ["reason": "max_output_tokens"]
        }
        let instructions = body["instructions"]?.stringValue ?? ""
        let inputTokens = max(1, Self.tokens(bytes: userText.utf8.count + instructions.utf8.count))
        let outputTokens = Self.tokens(bytes: content.utf8.count)
        let response: JSONValue = [
            "id": .string("resp_" + ids.hex(48)),
            "object": "response",
            "created_at": .int(created),
            "status": .string(status),
            "error": nil,
            "incomplete_details": incomplete,
            "instructions": body["instructions"] ?? nil,
            "max_output_tokens": body["max_output_tokens"] ?? nil,
            "model": .string(model),
            "output": [
                [
                    "id": .string("msg_" + ids.hex(48)),
                    "type": "message",
                    "status": .string(status),
                    "role": "assistant",
                    "content": [["type": "output_text", "text": .string(content), "annotations": []]],
                ]
            ],
            "parallel_tool_calls": true,
            "previous_response_id": nil,
            "reasoning": ["effort": nil, "summary": nil],
            "store": true,
            "temperature": body["temperature"] ?? 1.0,
            "text": ["format": format ?? ["type": "text"]],
            "tool_choice": "auto",
            "tools": [],
            "top_p": body["top_p"] ?? 1.0,
            "truncation": "disabled",
            "usage": [
                "input_tokens": .int(inputTokens),
                "input_tokens_details": ["cached_tokens": 0],
                "output_tokens": .int(outputTokens),
                "output_tokens_details": ["reasoning_tokens": 0],
                "total_tokens": .int(inputTokens + outputTokens),
            ],
            "user": nil,
            "metadata": body["metadata"] ?? [:],
        ]
        return .success(body: response, inputTokens: inputTokens, outputTokens: outputTokens)
    }
}
