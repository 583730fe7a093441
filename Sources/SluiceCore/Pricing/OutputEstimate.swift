import SluiceJSON

/// Output tokens per request: the cap the spec sets and the figure to expect.
public struct OutputEstimate: Sendable, Equatable {
    /// Where the expected figure comes from.
    public enum Basis: String, Sendable {
        /// A typical answer of the output schema (within the cap).
        case schema
        /// No schema: the cap, every answer taken at its longest.
        case maxTokens = "max_tokens"
        /// No schema and no cap: an assumed `assumedFreeText` tokens.
        case assumed
        /// Embeddings: nothing is generated.
        case notGenerated = "none"
        /// The average answer of the pipeline's finished files (`TokenCalibration`), within the cap.
        case calibrated
    }

    /// Tokens assumed for a free-text answer when nothing bounds it.
    public static let assumedFreeText = 256
    /// Characters assumed for a string with no `maxLength` or `enum`.
    static let assumedStringCharacters = 40

    /// `max_tokens` or `max_completion_tokens` from `params` (Anthropic: its default when unset); nil: no cap.
    public var cap: Int?
    public var expected: Int
    public var basis: Basis

    /// The estimate for `spec`'s requests.
    public init(spec: PipelineSpec, anthropic: Bool = false) {
        let configured =
            spec.params["max_completion_tokens"]?.numberValue ?? spec.params["max_tokens"]?.numberValue
        cap = configured.map { Int($0) } ?? (anthropic ? AnthropicRequestFormat.defaultMaxTokens : nil)
        if spec.endpoint == .embeddings {
            cap = nil
            expected = 0
            basis = .notGenerated
        } else if let schema = spec.output.wireSchema {
            var text = ""
            Self.typical(schema, into: &text, depth: 0)
            let tokens = Int(TokenEstimator.tokens(in: text).rounded(.up))
            expected = min(tokens, cap ?? tokens)
            basis = .schema
        } else if let cap {
            expected = cap
            basis = .maxTokens
        } else {
            expected = Self.assumedFreeText
            basis = .assumed
        }
    }

    /// Appends the JSON text of a typical value of `schema`: strings half their `maxLength` (or 40 characters
    /// of words), the first `enum`/`const` value, arrays of `minItems` (or 3) items, every property present.
    static func typical(_ schema: JSONValue, into text: inout String, depth: Int) {
        guard depth < 16, case .object(let node) = schema else {
            text += "null"
            return
        }
        if let constant = node["const"] {
            text += JSONWriter.string(constant)
            return
        }
        if let first = node["enum"]?.arrayValue?.first {
            text += JSONWriter.string(first)
            return
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            if let first = node[key]?.arrayValue?.first {
                typical(first, into: &text, depth: depth + 1)
                return
            }
        }
        var type = node["type"]?.stringValue
        if type == nil, let types = node["type"]?.arrayValue {
            type = types.first { $0 != "null" }?.stringValue
        }
        if type == nil {
            type = node["properties"] != nil ? "object" : (node["items"] != nil ? "array" : "string")
        }
        switch type {
        case "object":
            let properties = node["properties"]?.objectValue ?? JSONObject()
            text +=
                "{"
                + properties.map { key, value in
                    var member = JSONWriter.string(.string(key)) + ":"
                    typical(value, into: &member, depth: depth + 1)
                    return member
                }.joined(separator: ",") + "}"
        case "array":
            let count = node["minItems"]?.numberValue.map { max(Int($0), 1) } ?? 3
            let item = node["items"] ?? .object(JSONObject())
            text +=
                "["
                + (0..<min(count, 50)).map { _ in
                    var element = ""
                    typical(item, into: &element, depth: depth + 1)
                    return element
                }.joined(separator: ",") + "]"
        case "integer": text += "3"
        case "number": text += "0.75"
        case "boolean": text += "true"
        case "null": text += "null"
        default:
            let length = node["maxLength"]?.numberValue.map { Int($0) / 2 } ?? assumedStringCharacters
            let minimum = node["minLength"]?.numberValue.map { Int($0) } ?? 0
            let words = String(repeating: "word ", count: max(length, minimum) / 5 + 1)
            text += JSONWriter.string(.string(String(words.prefix(max(length, minimum)))))
        }
    }
}
