import HTTPTypes
import Hummingbird
internal import NIOCore

/// `POST /v1/chat/completions` and `POST /v1/embeddings`: the realtime OpenAI endpoints, answered by the
/// batch worker's deterministic model, with seeded faults and every arrival recorded for the stats.
///
/// Bearer auth, `x-request-id` and the error envelope come from `EmulatorResponder`, as for the rest of
/// the OpenAI surface; a call without a key is refused there and never reaches (or is counted by) these routes.
struct RealtimeRoutes: Sendable {
    /// Largest request body read (the batch path's JSON limit).
    static let maxBodyBytes = 16 << 20

    let model: DeterministicModel
    let faults: FaultPlan
    let ledger: RealtimeLedger
    let queue: ModelQueue
    /// Where injected faults are counted into `faults_injected`.
    let store: EmulatorStore

    /// Registers both endpoints.
    func add(to router: Router<BasicRequestContext>) {
        for endpoint in RealtimeEndpoint.allCases {
            router.post(RouterPath(endpoint.rawValue)) { request, _ in
                try await respond(endpoint, request)
            }
        }
    }

    /// Records the arrival, answers off the cooperative pool, records the outcome.
    func respond(_ endpoint: RealtimeEndpoint, _ request: Request) async throws -> Response {
        let call = await ledger.arrive(endpoint)
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maxBodyBytes)
        } catch {
            await ledger.finish(endpoint, .clientError, fault: nil)
            throw error
        }
        let (model, faults) = (self.model, self.faults)
        let created = EmulatorStore.now()
        let reply = await queue.run {
            RealtimeAnswer.reply(
                endpoint: endpoint, body: body, call: call, model: model, faults: faults, created: created)
        }
        await ledger.finish(endpoint, reply.outcome, fault: reply.fault)
        if let fault = reply.fault { await store.countFaults([fault: 1]) }
        var headers: HTTPFields = [.contentType: "application/json"]
        for (name, value) in reply.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        let response = Response(
            status: HTTPResponse.Status(code: reply.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
        switch reply.fault {
        case .slow?:
            try? await Task.sleep(for: .milliseconds(faults.slowMilliseconds))
            return response
        case .reset?:
            return response.cutShort()
        default:
            return response
        }
    }
}
