import HTTPTypes
import Hummingbird
import Logging

/// Wraps the router with what every response has, per wire protocol (chosen by path through
/// `WireTransports`): a request-id header, authentication, errors in that protocol's envelope (including
/// unknown routes and bodies over the limit), and the seeded transport faults of admitted calls.
struct EmulatorResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == BasicRequestContext {
    typealias Context = BasicRequestContext

    /// The router.
    let inner: Inner
    /// The `--faults` transport kinds for non-realtime calls.
    let faults: TransportFaults

    /// Admits, routes (through the faults), wraps errors in the envelope and stamps the request id.
    func respond(to request: Request, context: Context) async throws -> Response {
        var random = SplitMix64(seed: UInt64.random(in: .min ... .max))
        let transport = WireTransports.transport(forPath: request.uri.path)
        let requestID = transport.newRequestID(&random)
        var response: Response
        if let refusal = transport.refusal(request, requestID: requestID) {
            response = refusal
        } else if faults.applies(to: request) {
            response = await faults.respond(request, transport: transport, requestID: requestID) {
                await route(request, context: context, transport: transport, requestID: requestID)
            }
        } else {
            response = await route(request, context: context, transport: transport, requestID: requestID)
        }
        response.headers[transport.requestIDField] = requestID
        return response
    }

    /// The router's answer, errors enveloped.
    private func route(
        _ request: Request, context: Context, transport: any WireTransport, requestID: String
    ) async -> Response {
        do {
            let response = try await inner.respond(to: request, context: context)
            // The router turns its own errors (no route, body too large) into bare responses; give them
            // the envelope. Every response of ours already has a content type.
            if response.status.code >= 400 && response.headers[.contentType] == nil {
                return transport.response(forBare: response.status, request, requestID: requestID)
            }
            return response
        } catch {
            return transport.response(for: error, request, requestID: requestID, logger: context.logger)
        }
    }
}
