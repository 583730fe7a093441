import Foundation
import Hummingbird
import SluiceJSON

/// `/v1/messages/batches`: create, retrieve, list, cancel, delete and results of Anthropic Message Batches,
/// with the real API's synchronous 400/404/413 answers.
///
/// Results requested before the batch ended get a 400 `invalid_request_error` (the real answer is
/// unconfirmed; the SDK refuses locally while `results_url` is null).
struct MessageBatchesRoutes: Sendable {
    let store: EmulatorStore
    let timing: EmulatorTiming
    let limits: EmulatorLimits
    /// Batch faults (`queue_full` answers the create with a 429) and the seed they are drawn with.
    let faults: FaultPlan
    let seed: UInt64
    /// `http://host:port` for `results_url` when a request carries no Host header.
    let fallbackBaseURL: String

    /// Registers the routes.
    func add(to router: Router<BasicRequestContext>) {
        router.post("/v1/messages/batches") { request, context in try await create(request, context) }
        router.get("/v1/messages/batches") { request, _ in try await list(request) }
        router.get("/v1/messages/batches/:id") { request, context in
            try Response.json(await batch(context).wire(baseURL: baseURL(request)))
        }
        router.post("/v1/messages/batches/:id/cancel") { request, context in
            let id = context.parameters.get("id") ?? ""
            guard let record = try await store.cancelMessageBatch(id) else { throw Self.notFound(id) }
            return Response.json(record.wire(baseURL: baseURL(request)))
        }
        router.delete("/v1/messages/batches/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            switch await store.deleteMessageBatch(id) {
            case .deleted: return Response.json(["id": .string(id), "type": "message_batch_deleted"])
            case .notFound: throw Self.notFound(id)
            case .notEnded:
                throw AnthropicError.invalidRequest(
                    "Message Batch \(id) cannot be deleted while it is still processing. "
                        + "Cancel it and wait until its processing_status is ended, then delete it.")
            }
        }
        router.get("/v1/messages/batches/:id/results") { _, context in
            let record = try await batch(context)
            guard record.status == .ended else {
                throw AnthropicError.invalidRequest(
                    "Message Batch \(record.id) has not finished processing (processing_status "
                        + "'\(record.status.rawValue)'); its results are available once it has ended.")
            }
            let body = try await FileIO().loadFile(path: store.paths.messageBatchResults(record.id), context: context)
            return Response(status: .ok, headers: [.contentType: "application/x-jsonl"], body: body)
        }
    }

    /// The 404 for an unknown batch id.
    static func notFound(_ id: String) -> AnthropicError {
        AnthropicError(status: 404, message: "No Message Batch found with id '\(id)'.")
    }

    private func batch(_ context: BasicRequestContext) async throws -> MessageBatchRecord {
        let id = context.parameters.get("id") ?? ""
        guard let record = await store.messageBatch(id) else { throw Self.notFound(id) }
        return record
    }

    /// `http://` plus the Host the client used, so `results_url` points back at this server as it is reached.
    private func baseURL(_ request: Request) -> String {
        guard let authority = request.head.authority, !authority.isEmpty else { return fallbackBaseURL }
        return "http://" + authority
    }

    private func list(_ request: Request) async throws -> Response {
        var limit = 20
        if let text = RequestInput.query(request, "limit") {
            guard let value = Int(text) else {
                throw AnthropicError.invalidRequest(
                    "limit: Input should be a valid integer, unable to parse string as an integer")
            }
            guard value >= 1 else {
                throw AnthropicError.invalidRequest("limit: Input should be greater than or equal to 1")
            }
            guard value <= 1000 else {
                throw AnthropicError.invalidRequest("limit: Input should be less than or equal to 1000")
            }
            limit = value
        }
        let afterID = RequestInput.query(request, "after_id")
        let beforeID = RequestInput.query(request, "before_id")
        if afterID != nil && beforeID != nil {
            throw AnthropicError.invalidRequest("Only one of after_id and before_id may be given.")
        }
        let (page, hasMore) = await store.listMessageBatches(afterID: afterID, beforeID: beforeID, limit: limit)
        let base = baseURL(request)
        return Response.json([
            "data": .array(page.map { $0.wire(baseURL: base) }), "has_more": .bool(hasMore),
            "first_id": page.first.map { .string($0.id) } ?? nil, "last_id": page.last.map { .string($0.id) } ?? nil,
        ])
    }

    private func create(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let upload = store.paths.uploads + "/" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: upload) }
        // Spooled to disk, never held in memory: a create body may be 256 MB.
        let body = LimitedBody(body: request.body, limit: limits.maxMessageBatchBytes)
        try await FileIO().writeFile(contents: body, path: upload, context: context)
        guard body.counter.total <= limits.maxMessageBatchBytes else { throw AnthropicTransport.tooLarge }
        let id = EmulatorStore.newMessageBatchID()
        let requestsPath = store.paths.messageBatchRequests(id)
        let limits = self.limits
        let outcome = try await OwnedThread.run(name: "intake \(id)") {
            try MessageBatchIntake.run(bodyPath: upload, requestsPath: requestsPath, limits: limits)
        }
        switch outcome {
        case .failure(let error):
            try? FileManager.default.removeItem(atPath: requestsPath)
            throw error
        case .success(let accepted):
            let draw = faults.batchDraw(seed: seed, batchID: id)
            if let draw { await store.countFaults([draw.kind: 1]) }
            if draw?.kind == .queueFull {
                try? FileManager.default.removeItem(atPath: requestsPath)
                let answer = FaultKind.anthropicQueueFull(retryAfterSeconds: faults.retryAfterSeconds)
                throw AnthropicRefusal(error: answer.error, headers: answer.headers)
            }
            let record = try await store.createMessageBatch(
                id: id, requestCount: accepted.count, window: timing.completionWindow)
            try await store.recordCustomIDs(accepted.keys)
            return Response.json(record.wire(baseURL: baseURL(request)))
        }
    }
}

/// A request body as `ByteBuffer`s for `FileIO.writeFile`, counting its bytes.
///
/// Past `limit` bytes it keeps reading (so the request can be answered) but stops yielding: the caller
/// sees `counter.total > limit` and answers 413 without having written it all.
struct LimitedBody: AsyncSequence {
    typealias Element = ByteBuffer
    /// The request body, read once.
    let body: RequestBody
    /// Bytes written at most.
    let limit: Int
    /// Bytes received so far (all of them, past the limit too).
    let counter = ByteCounter()

    /// Yields the body's buffers up to the limit, then drains the rest.
    struct AsyncIterator: AsyncIteratorProtocol {
        var inner: RequestBody.AsyncIterator
        let limit: Int
        let counter: ByteCounter

        mutating func next() async throws -> ByteBuffer? {
            while var chunk = try await inner.next() {
                let before = counter.total
                counter.total += chunk.readableBytes
                if before < limit {
                    if counter.total > limit { chunk = chunk.readSlice(length: limit - before) ?? chunk }
                    return chunk
                }
            }
            return nil
        }
    }

    /// An iterator over the body.
    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(inner: body.makeAsyncIterator(), limit: limit, counter: counter)
    }
}
