import SluiceJSON

/// How the content of an answer is shaped, from `response_format` (chat) or `text.format` (responses).
enum ContentShape {
    /// Free text.
    case text
    /// Any JSON object (`json_object`).
    case jsonObject
    /// JSON conforming to a schema (`json_schema`).
    case jsonSchema(JSONValue)
}

extension DeterministicModel {
    /// A `chat.completion` for a Chat Completions body.
    func chat(
        _ body: JSONObject, created: Int, ids: inout SplitMix64, memo: ModelMemo, forced: FaultTriggers.Trigger? = nil
    ) -> ModelAnswer {
        let model: String
        switch modelName(body) {
        case .success(let name): model = name
        case .failure(let error): return .failure(error)
        }
        guard let messagesValue = body["messages"] else { return .failure(.missing("messages")) }
        guard let messages = messagesValue.arrayValue else {
            return .failure(.invalidType("messages", expected: "an array", got: messagesValue))
        }
        guard !messages.isEmpty else {
            return .failure(
                APIError(
                    status: 400,
                    message: "Invalid 'messages': empty array. Expected an array with minimum length 1, "
                        + "but got an empty array instead.",
                    param: "messages", code: "empty_array"))
        }
        let userText = messages.filter { $0["role"]?.stringValue == "user" }
            .map { Self.text(of: $0["content"]) }.joined(separator: "\n")
        let triggers = FaultTriggers(userText, forcing: forced)
        if triggers.fail { return .failure(Self.serverError) }
        let shape: ContentShape
        let format = body["response_format"] ?? .null
        switch memo.shape(for: format, { Self.chatShape(format) }) {
        case .success(let s): shape = s
        case .failure(let error): return .failure(error)
        }
        let promptBytes = messages.reduce(0) { $0 + Self.text(of: $1["content"]).utf8.count }
        let maxTokens = (body["max_completion_tokens"] ?? body["max_tokens"])?.numberValue.map { Int($0) }
        let n = max(1, min(Int(body["n"]?.numberValue ?? 1), 16))
        var random = self.random(for: body, memo: memo)
        var choices: [JSONValue] = []
        var completionTokens = 0
        for index in 0..<n {
            var content = Self.content(shape: shape, triggers: triggers, random: &random)
            var finish = "stop"
            if let maxTokens, let cut = Self.truncated(content, maxTokens: maxTokens) {
                content = cut
                finish = "length"
            } else if triggers.truncate {
                content = Self.cutInHalf(content)
                finish = "length"
            }
            completionTokens += Self.tokens(bytes: content.utf8.count)
            choices.append([
                "index": .int(index),
                "message": ["role": "assistant", "content": .string(content), "refusal": nil, "annotations": []],
                "logprobs": nil,
                "finish_reason": .string(finish),
            ])
        }
        let promptTokens = max(1, Self.tokens(bytes: promptBytes))
        let response: JSONValue = [
            "id": .string("chatcmpl-" + ids.base62(29)),
            "object": "chat.completion",
            "created": .int(created),
            "model": .string(model),
            "choices": .array(choices),
            "usage": [
                "prompt_tokens": .int(promptTokens),
                "completion_tokens": .int(completionTokens),
                "total_tokens": .int(promptTokens + completionTokens),
                "prompt_tokens_details": ["cached_tokens": 0, "audio_tokens": 0],
                "completion_tokens_details": [
                    "reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                ],
            ],
            "service_tier": "default",
            "system_fingerprint": .string(fingerprint),
        ]
        return .success(body: response, inputTokens: promptTokens, outputTokens: completionTokens)
    }

    /// The content for one choice, with the `__sluice_invalid__` / `__sluice_notjson__` triggers applied.
    static func content(shape: ContentShape, triggers: FaultTriggers, random: inout SplitMix64) -> String {
        switch shape {
        case .text:
            return Vocabulary.sentence(words: random.int(in: 6...24), random: &random)
        case .jsonObject:
            if triggers.notJSON { return notJSONContent }
            let sentence = Vocabulary.sentence(words: random.int(in: 4...12), random: &random)
            return JSONWriter.string(["result": .string(sentence)])
        case .jsonSchema(let schema):
            if triggers.notJSON { return notJSONContent }
            var generator = SchemaValueGenerator(root: schema, random: random)
            var value = generator.generate()
            random = generator.random
            if triggers.invalid {
                value = SchemaViolation.violate(value, schema: schema, root: schema)
            }
            return JSONWriter.string(value)
        }
    }

    /// The content shape a Chat Completions `response_format` asks for, or the real API's 400.
    static func chatShape(_ format: JSONValue?) -> Result<ContentShape, APIError> {
        guard let format, format != .null else { return .success(.text) }
        guard case .object(let f) = format else {
            return .failure(.invalidType("response_format", expected: "an object", got: format))
        }
        guard let type = f["type"]?.stringValue else { return .failure(.missing("response_format.type")) }
        switch type {
        case "text": return .success(.text)
        case "json_object": return .success(.jsonObject)
        case "json_schema":
            guard let spec = f["json_schema"] else { return .failure(.missing("response_format.json_schema")) }
            guard case .object(let s) = spec else {
                return .failure(.invalidType("response_format.json_schema", expected: "an object", got: spec))
            }
            return schemaShape(s, paramPrefix: "response_format.json_schema")
        default:
            return .failure(
                .invalidValue("response_format.type", value: type, supported: ["json_schema", "json_object", "text"]))
        }
    }

    /// Checks `name`, `schema` and `strict` of a json_schema format (chat's `json_schema`, responses'
    /// `text.format`) and returns the schema shape, or the error the real API gives.
    static func schemaShape(_ s: JSONObject, paramPrefix: String) -> Result<ContentShape, APIError> {
        guard let name = s["name"]?.stringValue else { return .failure(.missing(paramPrefix + ".name")) }
        let nameOK =
            !name.isEmpty && name.utf8.count <= 64
            && name.unicodeScalars.allSatisfy { c in
                (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_" || c == "-"
            }
        guard nameOK else {
            return .failure(
                APIError(
                    status: 400,
                    message: "Invalid '\(paramPrefix).name': string does not match pattern. Expected a string "
                        + "that matches the pattern '^[a-zA-Z0-9_-]+$'.",
                    param: paramPrefix + ".name", code: "invalid_value"))
        }
        guard let schema = s["schema"] else { return .failure(.missing(paramPrefix + ".schema")) }
        let strict = s["strict"] == .bool(true)
        if let problem = SchemaRules.problem(schema: schema, name: name, strict: strict) {
            return .failure(APIError(status: 400, message: problem, param: "response_format"))
        }
        return .success(.jsonSchema(schema))
    }
}
