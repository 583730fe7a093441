import HTTPTypes
import Hummingbird
internal import NIOCore

/// Thrown by a response body cut short on purpose (`reset`): the server then closes the connection, so the
/// client sees the announced length unfulfilled (libcurl `CURLE_PARTIAL_FILE`, httpx `RemoteProtocolError`).
struct TransportReset: Error, Sendable {}

/// The transport faults (`http429`, `http5xx`, `reset`, `slow`) of every API call other than the realtime
/// endpoints (which number their own calls) and `/_emulator/*`.
struct TransportFaults: Sendable {
    let plan: FaultPlan
    let seed: UInt64
    let store: EmulatorStore

    /// True when `request` may be faulted: not a test hook, not a realtime call, and some transport rate is set.
    func applies(to request: Request) -> Bool {
        guard plan.has(.transport), !request.uri.path.hasPrefix("/_emulator/") else { return false }
        return !(request.method == .post && RealtimeEndpoint(rawValue: request.uri.path) != nil)
    }

    /// Numbers the call, draws its fault and answers: an error instead of routing, routing and then a late
    /// answer, or a connection dropped before routing or (for odd draws) after the call took effect.
    func respond(
        _ request: Request, transport: any WireTransport, requestID: String, route: () async -> Response
    ) async -> Response {
        let call = await store.nextAPICall()
        guard let draw = plan.apiDraw(seed: seed, call: call) else { return await route() }
        await store.countFaults([draw.kind: 1])
        switch draw.kind {
        case .slow:
            let response = await route()
            try? await Task.sleep(for: .milliseconds(plan.slowMilliseconds))
            return response
        case .reset:
            if Self.takesEffect(draw) { return await route().cutShort() }
            return transport.faultResponse(.http5xx, variant: 0, plan: plan, requestID: requestID).cutShort()
        default:
            return transport.faultResponse(draw.kind, variant: draw.variant, plan: plan, requestID: requestID)
        }
    }

    /// True for the half of `reset` draws dropped after the call was handled (a batch created, a file stored).
    static func takesEffect(_ draw: FaultDraw) -> Bool { draw.variant & 2 != 0 }
}

extension Response {
    /// This response with its head (announcing the full length) and at most half its body, then the
    /// connection dropped.
    func cutShort() -> Response {
        var cut = self
        let original = body
        let length = original.contentLength
        cut.body = ResponseBody(contentLength: length) { writer in
            try await original.write(HalfBodyWriter(parent: writer, budget: (length ?? 0) / 2))
            throw TransportReset()
        }
        return cut
    }
}

/// Passes the first `budget` bytes through and then refuses, so the body never completes.
struct HalfBodyWriter: ResponseBodyWriter {
    /// The server's writer.
    var parent: any ResponseBodyWriter
    /// Bytes still allowed through.
    var budget: Int

    mutating func write(_ buffer: ByteBuffer) async throws {
        guard budget > 0 else { throw TransportReset() }
        if buffer.readableBytes <= budget {
            budget -= buffer.readableBytes
            try await parent.write(buffer)
            return
        }
        var head = buffer
        let slice = head.readSlice(length: budget)!
        budget = 0
        try await parent.write(slice)
        throw TransportReset()
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        throw TransportReset()
    }
}

extension WireTransport {
    /// The fault answer in this transport's protocol (`http429`; anything else as `http5xx`).
    func faultResponse(_ kind: FaultKind, variant: UInt64, plan: FaultPlan, requestID: String) -> Response {
        var response: Response
        var headers: [(String, String)]
        if self is AnthropicTransport {
            let answer = kind.anthropicAnswer(variant: variant, retryAfterSeconds: plan.retryAfterSeconds)
            response = AnthropicTransport.response(answer.error, requestID)
            headers = answer.headers
        } else {
            let answer = kind.answer(model: nil, variant: variant, retryAfterSeconds: plan.retryAfterSeconds)
            response = answer.error.response
            headers = answer.headers
        }
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { response.headers[field] = value }
        }
        return response
    }
}
