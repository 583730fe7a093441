import Hummingbird
import SluiceJSON

/// `/v1/batches`: create, retrieve, cancel, list — with the real API's synchronous 400/404/409 answers.
struct BatchesRoutes: Sendable {
    let store: EmulatorStore
    let timing: EmulatorTiming

    /// Endpoints a batch may target, as the real API lists them in its 400.
    static let endpoints = ["/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses"]

    /// Registers the routes.
    func add(to router: Router<BasicRequestContext>) {
        router.post("/v1/batches") { request, _ in try await create(request) }
        router.get("/v1/batches") { request, _ in try await list(request) }
        router.get("/v1/batches/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let record = await store.batch(id) else { throw Self.notFound(id) }
            return Response.json(record.wire)
        }
        router.post("/v1/batches/:id/cancel") { _, context in
            let id = context.parameters.get("id") ?? ""
            switch try await store.cancelBatch(id) {
            case .accepted(let record): return Response.json(record.wire)
            case .notFound: throw Self.notFound(id)
            case .conflict(let status):
                throw APIError(status: 409, message: "Cannot cancel a batch with status '\(status.rawValue)'.")
            }
        }
    }

    /// The real API's 404 for an unknown batch id.
    static func notFound(_ id: String) -> APIError {
        APIError(status: 404, message: "No batch found with id '\(id)'.")
    }

    private func list(_ request: Request) async throws -> Response {
        let limit = try RequestInput.limit(request, default: 20, range: 1...100)
        let (page, hasMore) = await store.listBatches(after: RequestInput.query(request, "after"), limit: limit)
        return Response.json(RequestInput.list(page.map(\.wire), firstID: page.first?.id, lastID: page.last?.id, hasMore: hasMore))
    }

    private func create(_ request: Request) async throws -> Response {
        let body = try await RequestInput.jsonObject(request)
        for key in ["input_file_id", "endpoint", "completion_window"] where body[key] == nil || body[key] == .null {
            throw APIError.missing(key)
        }
        guard let inputFileID = body["input_file_id"]!.stringValue else {
            throw APIError.invalidType("input_file_id", expected: "a string", got: body["input_file_id"]!)
        }
        guard let endpoint = body["endpoint"]!.stringValue else {
            throw APIError.invalidType("endpoint", expected: "a string", got: body["endpoint"]!)
        }
        guard Self.endpoints.contains(endpoint) else {
            throw APIError.invalidValue("endpoint", value: endpoint, supported: Self.endpoints)
        }
        guard let window = body["completion_window"]!.stringValue else {
            throw APIError.invalidType("completion_window", expected: "a string", got: body["completion_window"]!)
        }
        guard window == "24h" else {
            throw APIError.invalidValue("completion_window", value: window, supported: ["24h"])
        }
        let metadata = try Self.metadata(body["metadata"])
        if let expiry = body["output_expires_after"], expiry != .null {
            try Self.checkOutputExpiry(expiry)
        }
        let record = try await store.createBatch(
            endpoint: endpoint, inputFileID: inputFileID, metadata: metadata, window: timing.completionWindow)
        return Response.json(record.wire)
    }

    /// Metadata as ordered pairs: at most 16, keys ≤ 64 chars, values strings ≤ 512 chars.
    static func metadata(_ value: JSONValue?) throws -> [MetadataPair]? {
        guard let value, value != .null else { return nil }
        guard case .object(let object) = value else {
            throw APIError.invalidType("metadata", expected: "an object", got: value)
        }
        guard object.count <= 16 else {
            throw APIError(
                status: 400,
                message: "Invalid 'metadata': too many properties. Expected an object with at most 16 properties, "
                    + "but got an object with \(object.count) properties instead.",
                param: "metadata", code: "object_above_max_properties")
        }
        var pairs: [MetadataPair] = []
        for (key, v) in object {
            guard key.count <= 64 else {
                throw APIError(
                    status: 400,
                    message: "Invalid 'metadata': string too long. Expected a string with maximum length 64, "
                        + "but got a string with length \(key.count) instead.",
                    param: "metadata", code: "string_above_max_length")
            }
            guard let text = v.stringValue else {
                throw APIError.invalidType("metadata.\(key)", expected: "a string", got: v)
            }
            guard text.count <= 512 else {
                throw APIError(
                    status: 400,
                    message: "Invalid 'metadata.\(key)': string too long. Expected a string with maximum length 512, "
                        + "but got a string with length \(text.count) instead.",
                    param: "metadata.\(key)", code: "string_above_max_length")
            }
            pairs.append(MetadataPair(key: key, value: text))
        }
        return pairs
    }

    /// `output_expires_after`: anchor `created_at`, seconds 3600–2592000.
    static func checkOutputExpiry(_ value: JSONValue) throws {
        guard case .object(let o) = value else {
            throw APIError.invalidType("output_expires_after", expected: "an object", got: value)
        }
        if let anchor = o["anchor"]?.stringValue, anchor != "created_at" {
            throw APIError.invalidValue("output_expires_after.anchor", value: anchor, supported: ["created_at"])
        }
        guard let seconds = o["seconds"]?.numberValue, (3_600...2_592_000).contains(seconds) else {
            throw APIError(
                status: 400,
                message: "Invalid 'output_expires_after.seconds': expected an integer between 3600 and 2592000.",
                param: "output_expires_after.seconds", code: "invalid_value")
        }
    }
}
