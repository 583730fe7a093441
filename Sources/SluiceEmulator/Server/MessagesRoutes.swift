import Hummingbird
import SluiceJSON

/// `POST /v1/messages`: the realtime Messages API, answered by the same deterministic model (and the same
/// params checks) as Message Batch requests; errors come back in the Anthropic envelope.
struct MessagesRoutes: Sendable {
    let store: EmulatorStore
    let model: DeterministicModel
    let limits: EmulatorLimits

    /// Registers the route.
    func add(to router: Router<BasicRequestContext>) {
        router.post("/v1/messages") { request, _ in
            // Over the limit, collecting throws NIO's too-many-bytes error: the transport answers 413.
            let buffer = try await request.body.collect(upTo: limits.maxMessagesBodyBytes)
            let parsed = buffer.withUnsafeReadableBytes { raw in try? JSONParser.parse(buffer: raw) }
            try await store.countMessage()
            guard case .object(let params)? = parsed else { throw MessageBatchIntake.unparseable }
            var ids = SplitMix64(seed: UInt64.random(in: .min ... .max))
            switch model.message(params, inBatch: false, ids: &ids) {
            case .message(let message, _, _): return Response.json(message)
            case .error(let error): throw error
            case .expired: throw AnthropicError.internalServerError  // only batch requests expire
            }
        }
    }
}
