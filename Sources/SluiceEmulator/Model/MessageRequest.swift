import SluiceJSON

/// How a Messages answer is shaped.
enum MessageShape: Equatable {
    /// Free text, `end_turn`.
    case text
    /// One text block holding JSON conforming to `output_config.format.schema`.
    case jsonSchema(JSONValue)
    /// One `tool_use` block whose `input` conforms to the forced tool's `input_schema`.
    case tool(name: String, schema: JSONValue)
}

/// A Messages API request (`POST /v1/messages` body or a batch request's `params`), checked the way the
/// real API checks it, with its errors in the real API's (pydantic's) words where known.
struct MessageRequest {
    /// The `model` asked for, echoed in the Message.
    var model: String
    /// `max_tokens` (at least 1): longer answers are cut.
    var maxTokens: Int
    /// The text of the `user` messages, where fault triggers are looked for.
    var userText: String
    /// UTF-8 bytes of the system prompt and every message, for `usage.input_tokens`.
    var promptBytes: Int
    /// What the answer holds.
    var shape: MessageShape

    /// Checks `params`; `inBatch` adds the Message Batches API's own refusals (`stream`, `speed`).
    static func parse(_ params: JSONObject, inBatch: Bool) -> Result<MessageRequest, AnthropicError> {
        func invalid(_ message: String) -> Result<MessageRequest, AnthropicError> { .failure(.invalidRequest(message)) }
        guard let modelValue = params["model"], modelValue != .null else { return invalid("model: Field required") }
        guard let model = modelValue.stringValue else { return invalid("model: Input should be a valid string") }
        guard let maxValue = params["max_tokens"], maxValue != .null else {
            return invalid("max_tokens: Field required")
        }
        guard let maxTokens = integer(maxValue) else { return invalid("max_tokens: Input should be a valid integer") }
        guard maxTokens >= 1 else { return invalid("max_tokens: Input should be greater than or equal to 1") }
        guard let messagesValue = params["messages"], messagesValue != .null else {
            return invalid("messages: Field required")
        }
        guard let messages = messagesValue.arrayValue else { return invalid("messages: Input should be a valid list") }
        guard !messages.isEmpty else { return invalid("messages: at least one message is required") }
        var userText: [String] = []
        var promptBytes = DeterministicModel.text(of: params["system"]).utf8.count
        for (index, message) in messages.enumerated() {
            guard case .object(let m) = message else {
                return invalid("messages.\(index): Input should be a valid dictionary or object to extract fields from")
            }
            guard let role = m["role"]?.stringValue, role == "user" || role == "assistant" else {
                return invalid("messages.\(index).role: Input should be 'user' or 'assistant'")
            }
            guard let content = m["content"], content != .null else {
                return invalid("messages.\(index).content: Field required")
            }
            let text = DeterministicModel.text(of: content)
            promptBytes += text.utf8.count
            if role == "user" { userText.append(text) }
        }
        if params["stream"] == .bool(true) {
            return invalid(
                inBatch
                    ? "stream: Streaming is not supported in the Message Batches API"
                    : "stream: the local provider does not stream responses; send stream: false")
        }
        if inBatch, let speed = params["speed"], speed != .null {
            return invalid("speed: Fast mode is not supported in the Message Batches API")
        }
        if model.hasPrefix("unknown-") {
            return .failure(AnthropicError(status: 404, message: "model: \(model)"))
        }
        let shape: MessageShape
        switch self.shape(params) {
        case .success(let s): shape = s
        case .failure(let error): return .failure(error)
        }
        return .success(
            MessageRequest(
                model: model, maxTokens: maxTokens, userText: userText.joined(separator: "\n"),
                promptBytes: promptBytes, shape: shape))
    }

    /// An integer value (JSON `1` or `1.0`).
    static func integer(_ value: JSONValue) -> Int? {
        switch value {
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && abs(d) < 1e15: return Int(d)
        default: return nil
        }
    }

    /// A forced tool (`tool_choice` `tool` or `any`) wins over `output_config.format`; neither gives text.
    static func shape(_ params: JSONObject) -> Result<MessageShape, AnthropicError> {
        var tools: [(name: String, schema: JSONValue?)] = []
        if let toolsValue = params["tools"], toolsValue != .null {
            guard let list = toolsValue.arrayValue else {
                return .failure(.invalidRequest("tools: Input should be a valid list"))
            }
            for (index, tool) in list.enumerated() {
                guard case .object(let t) = tool else {
                    return .failure(.invalidRequest("tools.\(index): Input should be a valid dictionary"))
                }
                guard let name = t["name"]?.stringValue else {
                    return .failure(.invalidRequest("tools.\(index).name: Field required"))
                }
                // Server tools (`type` other than `custom`) carry no input_schema.
                let custom = t["type"] == nil || t["type"] == "custom"
                let schema = t["input_schema"]
                if custom {
                    guard let schema, case .object = schema else {
                        return .failure(.invalidRequest("tools.\(index).custom.input_schema: Field required"))
                    }
                }
                tools.append((name, schema))
            }
        }
        if let choiceValue = params["tool_choice"], choiceValue != .null {
            guard case .object(let choice) = choiceValue, let type = choice["type"]?.stringValue else {
                return .failure(.invalidRequest("tool_choice.type: Field required"))
            }
            switch type {
            case "auto", "none":
                break
            case "any", "tool":
                guard !tools.isEmpty else {
                    return .failure(
                        .invalidRequest("tool_choice: tool_choice may only be specified while providing tools"))
                }
                let wanted: (name: String, schema: JSONValue?)?
                if type == "tool" {
                    guard let name = choice["name"]?.stringValue else {
                        return .failure(.invalidRequest("tool_choice.tool.name: Field required"))
                    }
                    wanted = tools.first { $0.name == name }
                    guard wanted != nil else {
                        return .failure(.invalidRequest("tool_choice: Tool '\(name)' not found in tools"))
                    }
                } else {
                    wanted = tools.first { $0.schema != nil } ?? tools.first
                }
                return .success(.tool(name: wanted!.name, schema: wanted!.schema ?? ["type": "object"]))
            default:
                return .failure(
                    .invalidRequest(
                        "tool_choice: Input tag '\(type)' found using 'type' does not match any of the "
                            + "expected tags: 'auto', 'any', 'tool', 'none'"))
            }
        }
        guard let configValue = params["output_config"], configValue != .null else { return .success(.text) }
        guard case .object(let config) = configValue else {
            return .failure(.invalidRequest("output_config: Input should be a valid dictionary"))
        }
        guard let formatValue = config["format"], formatValue != .null else { return .success(.text) }
        guard case .object(let format) = formatValue else {
            return .failure(.invalidRequest("output_config.format: Input should be a valid dictionary"))
        }
        guard format["type"]?.stringValue == "json_schema" else {
            return .failure(.invalidRequest("output_config.format.type: Input should be 'json_schema'"))
        }
        guard let schema = format["schema"], case .object = schema else {
            return .failure(.invalidRequest("output_config.format.schema: Field required"))
        }
        return .success(.jsonSchema(schema))
    }
}
