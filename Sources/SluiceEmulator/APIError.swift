import SluiceJSON

/// An OpenAI error: an HTTP status plus the `{"error":{message,type,param,code}}` envelope.
///
/// Used for HTTP responses and, unchanged, for per-line failures in a batch's error file.
struct APIError: Error, Sendable, Equatable {
    /// HTTP status code.
    var status: Int
    /// Human-readable message (real API wording where known).
    var message: String
    /// `invalid_request_error`, `server_error`, ...
    var type: String = "invalid_request_error"
    /// The offending parameter, if any.
    var param: String? = nil
    /// A machine code, if the real API sends one.
    var code: String? = nil

    /// The `{"error":{...}}` envelope.
    var envelope: JSONValue {
        [
            "error": [
                "message": .string(message),
                "type": .string(type),
                "param": param.map(JSONValue.string) ?? .null,
                "code": code.map(JSONValue.string) ?? .null,
            ]
        ]
    }

    /// 400 `missing_required_parameter`.
    static func missing(_ param: String) -> APIError {
        APIError(
            status: 400, message: "Missing required parameter: '\(param)'.", param: param,
            code: "missing_required_parameter")
    }

    /// 400 `invalid_type` in the real API's words, e.g. "expected a string, but got an array instead".
    static func invalidType(_ param: String, expected: String, got value: JSONValue) -> APIError {
        APIError(
            status: 400,
            message: "Invalid type for '\(param)': expected \(expected), but got \(article(value)) instead.",
            param: param, code: "invalid_type")
    }

    /// 400 `invalid_value` listing the supported values like the real API.
    static func invalidValue(_ param: String, value: String, supported: [String]) -> APIError {
        let quoted = supported.map { "'\($0)'" }
        let list =
            quoted.count > 1 ? quoted.dropLast().joined(separator: ", ") + ", and " + quoted.last! : quoted.joined()
        return APIError(
            status: 400, message: "Invalid value: '\(value)'. Supported values are: \(list).", param: param,
            code: "invalid_value")
    }

    /// "a string", "an array", ... as the real API names JSON types in messages.
    static func article(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int: return "an integer"
        case .double: return "a decimal"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
