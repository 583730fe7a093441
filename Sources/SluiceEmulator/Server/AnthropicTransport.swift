import HTTPTypes
import Hummingbird
import Logging

/// The Anthropic transport: a key in `x-api-key` (or `Authorization: Bearer`), a required `anthropic-version`
/// header, a `request-id` header, and the `{"type":"error","error":{type,message},"request_id":…}` envelope.
struct AnthropicTransport: WireTransport {
    /// The `x-api-key` header name.
    static let apiKeyField = HTTPField.Name("x-api-key")!
    /// The `anthropic-version` header name.
    static let versionField = HTTPField.Name("anthropic-version")!

    var requestIDField: HTTPField.Name { HTTPField.Name("request-id")! }

    /// `req_` and 24 base62 characters, like `req_018EeWyXxfu5pfWkrYcMdjWG`.
    func newRequestID(_ random: inout SplitMix64) -> String { "req_01" + random.base62(22) }

    func refusal(_ request: Request, requestID: String) -> Response? {
        let key = request.headers[Self.apiKeyField]?.trimmingSpaces ?? ""
        guard !key.isEmpty || OpenAITransport.hasBearerKey(request) else {
            return Self.response(AnthropicError(status: 401, message: "x-api-key header is required"), requestID)
        }
        guard let version = request.headers[Self.versionField], !version.trimmingSpaces.isEmpty else {
            return Self.response(.invalidRequest("anthropic-version: header is required"), requestID)
        }
        return nil
    }

    func response(for error: any Error, _ request: Request, requestID: String, logger: Logger) -> Response {
        switch error {
        case let error as AnthropicError:
            return Self.response(error, requestID)
        case let refusal as AnthropicRefusal:
            var response = Self.response(refusal.error, requestID)
            for (name, value) in refusal.headers {
                if let field = HTTPField.Name(name) { response.headers[field] = value }
            }
            return response
        case let error as any HTTPResponseError:
            // HTTPError, and NIO's too-many-bytes error from a body collected with a limit.
            return response(forBare: error.status, request, requestID: requestID)
        default:
            logger.error("emulator request failed", metadata: ["error": "\(error)"])
            return Self.response(.internalServerError, requestID)
        }
    }

    func response(forBare status: HTTPResponse.Status, _ request: Request, requestID: String) -> Response {
        switch status {
        case .notFound, .methodNotAllowed:
            return Self.response(AnthropicError(status: 404, message: "Not Found"), requestID)
        case .contentTooLarge:
            return Self.response(Self.tooLarge, requestID)
        default:
            return Self.response(AnthropicError(status: Int(status.code), message: status.reasonPhrase), requestID)
        }
    }

    /// The real API's 413 for a body over the endpoint's size limit.
    static let tooLarge = AnthropicError(status: 413, message: "Request exceeds the maximum allowed number of bytes.")

    /// `error` as a JSON response in the envelope.
    static func response(_ error: AnthropicError, _ requestID: String) -> Response {
        .json(error.envelope(requestID: requestID), status: HTTPResponse.Status(code: error.status))
    }
}
