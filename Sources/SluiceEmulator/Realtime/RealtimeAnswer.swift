internal import NIOCore
import SluiceJSON

/// A realtime answer built off the cooperative pool: status, extra headers, JSON body bytes, and what the
/// stats count it as.
struct RealtimeReply: Sendable {
    var status: Int
    var headers: [(String, String)] = []
    var body: [UInt8]
    /// The fault injected into this call, if it was one.
    var fault: FaultKind?

    /// An error answer.
    init(_ error: APIError, headers: [(String, String)] = [], fault: FaultKind? = nil) {
        status = error.status
        self.headers = headers
        body = JSONWriter.bytes(error.envelope)
        self.fault = fault
    }

    /// A 200 answer.
    init(success body: JSONValue) {
        status = 200
        self.body = JSONWriter.bytes(body)
    }

    /// How the stats count it; nil when the connection is dropped (`reset`) and no answer arrives.
    var outcome: RealtimeOutcome? { fault == .reset ? nil : RealtimeOutcome(status: status) }
}

/// One realtime call answered: the seeded fault for its call number first, then the same validation
/// and deterministic model the batch worker applies to a line with this body.
enum RealtimeAnswer {
    /// The 400 for `stream: true`: the emulator answers whole responses only.
    static let streamUnsupported = APIError(
        status: 400,
        message: "Streaming is not supported by the Sluice emulator: send 'stream': false or leave it out.",
        param: "stream", code: "unsupported_value")

    /// Answers call number `call` to `endpoint` with request body `body`. Pure but for the response id
    /// and `created`, which are random and the current time as in the real API.
    static func reply(
        endpoint: RealtimeEndpoint, body: ByteBuffer, call: UInt64, model: DeterministicModel, faults: FaultPlan,
        created: Int
    ) -> RealtimeReply {
        let parsed = body.withUnsafeReadableBytes { raw in try? JSONParser.parse(buffer: raw) }
        let object = parsed?.objectValue
        // Faults come first, as a real rate limiter refuses before looking at the body.
        let draw = faults.draw(seed: model.seed, call: call)
        if let draw, draw.kind == .http429 || draw.kind == .http5xx {
            let answer = draw.kind.answer(
                model: object?["model"]?.stringValue, variant: draw.variant,
                retryAfterSeconds: faults.retryAfterSeconds)
            return RealtimeReply(answer.error, headers: answer.headers, fault: draw.kind)
        }
        // `slow` and `reset` act on how the normal answer is sent (see `RealtimeRoutes`).
        var reply = answer(endpoint: endpoint, object: object, model: model, created: created)
        reply.fault = draw?.kind
        return reply
    }

    /// The normal answer to a body.
    private static func answer(
        endpoint: RealtimeEndpoint, object: JSONObject?, model: DeterministicModel, created: Int
    ) -> RealtimeReply {
        guard let object else { return RealtimeReply(RequestInput.unparseableBody) }
        if endpoint == .chatCompletions, object["stream"] == .bool(true) { return RealtimeReply(streamUnsupported) }
        var ids = SplitMix64(seed: UInt64.random(in: .min ... .max))
        switch model.answer(endpoint: endpoint.rawValue, body: object, created: created, ids: &ids) {
        case .success(let response, _, _): return RealtimeReply(success: response)
        case .failure(let error): return RealtimeReply(error)
        }
    }
}
