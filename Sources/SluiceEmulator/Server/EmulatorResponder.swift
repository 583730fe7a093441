import HTTPTypes
import Hummingbird
import Logging

/// Wraps the router with what every OpenAI response has: an `x-request-id` header, bearer authentication
/// (any non-empty key), and errors in the `{"error":{...}}` envelope, including unknown routes.
struct EmulatorResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == BasicRequestContext {
    typealias Context = BasicRequestContext

    /// The `x-request-id` header name.
    static var requestIDField: HTTPField.Name { HTTPField.Name("x-request-id")! }

    /// The router.
    let inner: Inner

    /// The real API's answer to a request without a key.
    static var missingKey: APIError {
        APIError(
            status: 401,
            message: "You didn't provide an API key. You need to provide your API key in an Authorization header "
                + "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank "
                + "username) if you're accessing the API from your browser and are prompted for a username. You can "
                + "obtain an API key from https://platform.openai.com/account/api-keys.")
    }

    /// Authenticates, routes, wraps errors in the envelope and stamps `x-request-id`.
    func respond(to request: Request, context: Context) async throws -> Response {
        var random = SplitMix64(seed: UInt64.random(in: .min ... .max))
        var response: Response
        if !request.uri.path.hasPrefix("/_emulator/") && !Self.hasBearerKey(request) {
            response = Self.missingKey.response
        } else {
            do {
                response = try await inner.respond(to: request, context: context)
                // The router turns its own errors (no route, body too large) into bare responses; give them
                // the envelope. Every response of ours already has a content type.
                if response.status.code >= 400 && response.headers[.contentType] == nil {
                    response = Self.envelope(forBare: response.status, request).response
                }
            } catch let error as APIError {
                response = error.response
            } catch let error as HTTPError {
                response = Self.envelope(forBare: error.status, request).response
            } catch let error as MultipartError {
                response = APIError(status: 400, message: "Could not parse multipart form: \(error.message)").response
            } catch {
                context.logger.error("emulator request failed", metadata: ["error": "\(error)"])
                response = APIError(
                    status: 500, message: "The server had an error while processing your request. Sorry about that!",
                    type: "server_error"
                ).response
            }
        }
        response.headers[Self.requestIDField] = "req_" + random.hex(32)
        return response
    }

    /// The envelope for a status the router produced without a body.
    static func envelope(forBare status: HTTPResponse.Status, _ request: Request) -> APIError {
        if status == .notFound || status == .methodNotAllowed {
            return APIError(status: 404, message: "Invalid URL (\(request.method) \(request.uri.path))")
        }
        return APIError(status: Int(status.code), message: status.reasonPhrase)
    }

    /// True when the request carries `Authorization: Bearer <non-empty key>`.
    static func hasBearerKey(_ request: Request) -> Bool {
        guard let value = request.headers[.authorization] else { return false }
        let parts = value.split(separator: " ", maxSplits: 1)
        return parts.count == 2 && parts[0].lowercased() == "bearer" && !parts[1].trimmingSpaces.isEmpty
    }
}
