import HTTPTypes
import Hummingbird
import Logging

/// What differs between the wire protocols the emulator speaks on one port: how a request is admitted,
/// which header carries the request id, and how errors are enveloped.
///
/// `EmulatorResponder` picks one per request by path (`WireTransport.for(path:)`), so routes only throw
/// their protocol's error type and never look at headers or envelopes themselves.
protocol WireTransport: Sendable {
    /// Header carrying the request id on every response.
    var requestIDField: HTTPField.Name { get }
    /// A fresh request id.
    func newRequestID(_ random: inout SplitMix64) -> String
    /// The error response for a request refused before routing (no key, missing version header), or nil.
    func refusal(_ request: Request, requestID: String) -> Response?
    /// The response for an error a route threw.
    func response(for error: any Error, _ request: Request, requestID: String, logger: Logger) -> Response
    /// The enveloped response for a status the router produced without a body (no route, body too large).
    func response(forBare status: HTTPResponse.Status, _ request: Request, requestID: String) -> Response
}

/// The transports by path.
enum WireTransports {
    /// `/v1/messages` and everything below it speak Anthropic; every other path speaks OpenAI.
    static func transport(forPath path: String) -> any WireTransport {
        if path == "/v1/messages" || path.hasPrefix("/v1/messages/") { return AnthropicTransport() }
        return OpenAITransport()
    }
}

/// The OpenAI transport: `x-request-id`, bearer authentication (any non-empty key), `{"error":{...}}` envelope.
struct OpenAITransport: WireTransport {
    var requestIDField: HTTPField.Name { HTTPField.Name("x-request-id")! }

    /// The real API's answer to a request without a key.
    static var missingKey: APIError {
        APIError(
            status: 401,
            message: "You didn't provide an API key. You need to provide your API key in an Authorization header "
                + "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank "
                + "username) if you're accessing the API from your browser and are prompted for a username. You can "
                + "obtain an API key from https://platform.openai.com/account/api-keys.")
    }

    func newRequestID(_ random: inout SplitMix64) -> String { "req_" + random.hex(32) }

    func refusal(_ request: Request, requestID: String) -> Response? {
        // The test hooks under /_emulator/ need no key.
        if request.uri.path.hasPrefix("/_emulator/") || Self.hasBearerKey(request) { return nil }
        return Self.missingKey.response
    }

    func response(for error: any Error, _ request: Request, requestID: String, logger: Logger) -> Response {
        switch error {
        case let error as APIError:
            return error.response
        case let error as HTTPError:
            return response(forBare: error.status, request, requestID: requestID)
        case let error as MultipartError:
            return APIError(status: 400, message: "Could not parse multipart form: \(error.message)").response
        default:
            logger.error("emulator request failed", metadata: ["error": "\(error)"])
            return APIError(
                status: 500, message: "The server had an error while processing your request. Sorry about that!",
                type: "server_error"
            ).response
        }
    }

    func response(forBare status: HTTPResponse.Status, _ request: Request, requestID: String) -> Response {
        if status == .notFound || status == .methodNotAllowed {
            return APIError(status: 404, message: "Invalid URL (\(request.method) \(request.uri.path))").response
        }
        return APIError(status: Int(status.code), message: status.reasonPhrase).response
    }

    /// True when the request carries `Authorization: Bearer <non-empty key>`.
    static func hasBearerKey(_ request: Request) -> Bool {
        guard let value = request.headers[.authorization] else { return false }
        let parts = value.split(separator: " ", maxSplits: 1)
        return parts.count == 2 && parts[0].lowercased() == "bearer" && !parts[1].trimmingSpaces.isEmpty
    }
}
