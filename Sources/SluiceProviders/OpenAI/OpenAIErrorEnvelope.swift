import Foundation

/// The body of every OpenAI error response: `{"error": {message, type, param, code}}`.
public struct OpenAIErrorEnvelope: Codable, Sendable, Hashable {
    /// The error itself.
    public var error: OpenAIErrorDetail

    /// Creates an envelope.
    public init(error: OpenAIErrorDetail) {
        self.error = error
    }
}

/// What went wrong, as the server describes it.
public struct OpenAIErrorDetail: Codable, Sendable, Hashable {
    /// Human-readable text.
    public var message: String
    /// E.g. `invalid_request_error`; optional because compatible servers sometimes omit it.
    public var type: String?
    /// The offending parameter, e.g. `endpoint`, or null.
    public var param: String?
    /// A machine code such as `invalid_value`, or null.
    public var code: String?

    /// Creates an error detail.
    public init(message: String, type: String? = nil, param: String? = nil, code: String? = nil) {
        self.message = message
        self.type = type
        self.param = param
        self.code = code
    }

    enum CodingKeys: String, CodingKey {
        case message, type, param, code
    }

    /// Decodes leniently: OpenAI-compatible servers send `code` as a number and may omit `message`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        message = try container.decodeIfPresent(String.self, forKey: .message) ?? ""
        type = try container.decodeIfPresent(String.self, forKey: .type)
        param = try container.decodeIfPresent(String.self, forKey: .param)
        if let text = try? container.decodeIfPresent(String.self, forKey: .code) {
            code = text
        } else if let number = try? container.decodeIfPresent(Int.self, forKey: .code) {
            code = String(number)
        } else {
            code = nil
        }
    }
}
