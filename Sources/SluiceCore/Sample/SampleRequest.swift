import SluiceJSON

/// One row's request as a realtime call sends it: the body of its batch line, byte for byte.
///
/// An OpenAI batch line is `{custom_id, method, url, body}` and the realtime endpoint takes `body`; an
/// Anthropic batch request is `{custom_id, params}` and `POST /v1/messages` takes `params`. Sending exactly
/// those bytes makes the sample's answer the answer the batch would get.
public struct SampleRequest: Sendable {
    /// The custom id the batch line carries (`r<row>`), kept to build the result line the answer stands for.
    public var customID: String
    /// The endpoint path under the API root (`/chat/completions`, `/embeddings`, `/messages`).
    public var path: String
    /// The body bytes, as in the batch line.
    public var body: [UInt8]
    /// The body, parsed.
    public var json: JSONValue
    /// The rendered prompt, for display.
    public var prompt: SamplePrompt

    /// The request of a rendered batch `line` (with or without its newline) in `format`; nil when the line is
    /// not one this engine renders.
    public init?(line: [UInt8], format: WireFormat) {
        guard let value = try? JSONParser.parse(line), let customID = value["custom_id"]?.stringValue else {
            return nil
        }
        let key = format == .openAIBatch ? "body" : "params"
        guard let json = value[key], json.objectValue != nil else { return nil }
        self.customID = customID
        self.json = json
        body = Self.slice(line, after: key) ?? JSONWriter.bytes(json)
        switch format {
        case .openAIBatch:
            let url = value["url"]?.stringValue ?? "/v1/chat/completions"
            path = url.hasPrefix("/v1/") ? String(url.dropFirst(3)) : url
        case .anthropicBatch:
            path = "/messages"
        }
        prompt = SamplePrompt(body: json, format: format)
    }

    /// The bytes of the line's last member `key`: the renderers write it last, closing the line with `}`.
    /// Its first occurrence is the member itself: only the custom id (`r<row>`) and constants come before it.
    static func slice(_ line: [UInt8], after key: String) -> [UInt8]? {
        let marker = Array(("\"" + key + "\":").utf8)
        var end = line.count
        while end > 0, line[end - 1] == 0x0A || line[end - 1] == 0x0D { end -= 1 }
        guard end > 0, line[end - 1] == UInt8(ascii: "}"), line.count >= marker.count else { return nil }
        var index = 0
        while index + marker.count <= end {
            if line[index] == marker[0], Array(line[index..<(index + marker.count)]) == marker {
                let start = index + marker.count
                guard start < end - 1 else { return nil }
                let bytes = Array(line[start..<(end - 1)])
                return (try? JSONParser.parse(bytes))?.objectValue != nil ? bytes : nil
            }
            index += 1
        }
        return nil
    }
}

/// The text a request puts before the model: the system prompt and the user message (the input of an
/// embeddings request).
public struct SamplePrompt: Sendable, Equatable {
    public var system: String?
    public var user: String
    /// True for an embeddings request, whose text is its `input`.
    public var isEmbeddingInput: Bool

    public init(system: String?, user: String, isEmbeddingInput: Bool = false) {
        self.system = system
        self.user = user
        self.isEmbeddingInput = isEmbeddingInput
    }

    /// The prompt of a request body in `format`.
    init(body: JSONValue, format: WireFormat) {
        let messages = body["messages"]?.arrayValue ?? []
        func text(_ role: String) -> String? {
            let parts = messages.filter { $0["role"]?.stringValue == role }.compactMap { $0["content"]?.stringValue }
            return parts.isEmpty ? nil : parts.joined(separator: "\n")
        }
        switch format {
        case .openAIBatch:
            if let input = body["input"]?.stringValue {
                self.init(system: nil, user: input, isEmbeddingInput: true)
            } else {
                self.init(system: text("system"), user: text("user") ?? "")
            }
        case .anthropicBatch:
            self.init(system: body["system"]?.stringValue, user: text("user") ?? "")
        }
    }

    /// `{"system", "user"}` (`system` null without one), or `{"input"}` for embeddings.
    public var json: JSONValue {
        if isEmbeddingInput { return ["input": .string(user)] }
        return ["system": system.map(JSONValue.string) ?? .null, "user": .string(user)]
    }
}
