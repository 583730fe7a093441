import Foundation
import Hummingbird
import SluiceJSON

/// `/v1/files`: upload (multipart, streamed to disk), retrieve, content (streamed from disk), delete, list.
struct FilesRoutes: Sendable {
    let store: EmulatorStore
    let limits: EmulatorLimits

    /// Purposes accepted on upload, in the order the real API lists them.
    static let purposes = ["assistants", "batch", "fine-tune", "vision", "user_data", "evals"]

    /// Registers the routes.
    func add(to router: Router<BasicRequestContext>) {
        router.post("/v1/files") { request, context in try await upload(request, context) }
        router.get("/v1/files") { request, _ in try await list(request) }
        router.get("/v1/files/:id") { _, context in
            try await Response.json(file(context).wire)
        }
        router.get("/v1/files/:id/content") { _, context in
            let record = try await file(context)
            let body = try await FileIO().loadFile(path: store.paths.fileContent(record.id), context: context)
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: body)
        }
        router.delete("/v1/files/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard await store.deleteFile(id) else { throw Self.notFound(id) }
            return Response.json(["id": .string(id), "object": "file", "deleted": true])
        }
    }

    /// The real API's 404 for an unknown file id.
    static func notFound(_ id: String) -> APIError {
        APIError(status: 404, message: "No such File object: \(id)", param: "id")
    }

    private func file(_ context: BasicRequestContext) async throws -> FileRecord {
        let id = context.parameters.get("id") ?? ""
        guard let record = await store.file(id) else { throw Self.notFound(id) }
        return record
    }

    private func list(_ request: Request) async throws -> Response {
        let limit = try RequestInput.limit(request, default: 10_000, range: 1...10_000)
        let order = RequestInput.query(request, "order") ?? "desc"
        guard order == "asc" || order == "desc" else {
            throw APIError.invalidValue("order", value: order, supported: ["asc", "desc"])
        }
        let (page, hasMore) = await store.listFiles(
            purpose: RequestInput.query(request, "purpose"), ascending: order == "asc",
            after: RequestInput.query(request, "after"), limit: limit)
        return Response.json(RequestInput.list(page.map(\.wire), firstID: page.first?.id, lastID: page.last?.id, hasMore: hasMore))
    }

    private func upload(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let contentType = request.headers[.contentType] ?? ""
        guard let boundary = MultipartFormReader.boundary(contentType: contentType) else {
            throw APIError(
                status: 400,
                message: "Invalid Content-Type header (\(contentType)), expected multipart/form-data. (HINT: If "
                    + "you're using curl, you can pass -H 'Content-Type: multipart/form-data')")
        }
        let reader = MultipartFormReader(body: request.body, boundary: boundary)
        var fields: [String: String] = [:]
        var upload: (path: String, filename: String, bytes: Int)?
        defer { if let upload { try? FileManager.default.removeItem(atPath: upload.path) } }
        while let part = try await reader.nextPart() {
            if part.name == "file", upload == nil, let filename = part.filename {
                let path = store.paths.uploads + "/" + UUID().uuidString
                let content = PartContent(reader: reader, limit: limits.maxFileBytes + 1)
                try await FileIO().writeFile(contents: content, path: path, context: context)
                upload = (path, filename, content.counter.total)
            } else if let name = part.name {
                var value: [UInt8] = []
                while let chunk = try await reader.nextChunk() {
                    if value.count < 64 * 1024 { value += chunk }
                }
                fields[name] = String(decoding: value, as: UTF8.self)
            }
        }
        guard let purpose = fields["purpose"] else { throw APIError.missing("purpose") }
        guard Self.purposes.contains(purpose) else {
            throw APIError.invalidValue("purpose", value: purpose, supported: Self.purposes)
        }
        guard let file = upload else { throw APIError.missing("file") }
        if purpose == "batch" && !file.filename.lowercased().hasSuffix(".jsonl") {
            throw APIError(status: 400, message: "Invalid file format for Batch API. Must be .jsonl")
        }
        if file.bytes > (purpose == "batch" ? limits.maxBatchFileBytes : limits.maxFileBytes) {
            throw APIError(status: 400, message: "File is too large.")
        }
        let now = EmulatorStore.now()
        let expiresAt = try Self.expiry(fields, now: now, purpose: purpose)
        let id = EmulatorStore.newFileID()
        try FileManager.default.moveItem(atPath: file.path, toPath: store.paths.fileContent(id))
        upload = nil
        let record = FileRecord(
            id: id, sequence: await store.takeSequence(), bytes: file.bytes, createdAt: now, filename: file.filename,
            purpose: purpose, expiresAt: expiresAt)
        try await store.addFile(record, countsAsUpload: true)
        return Response.json(record.wire)
    }

    /// `expires_at` from `expires_after[anchor]`/`[seconds]`; batch files expire after 30 days by default.
    static func expiry(_ fields: [String: String], now: Int, purpose: String) throws -> Int? {
        guard let secondsText = fields["expires_after[seconds]"] else {
            return purpose == "batch" ? now + 30 * 86_400 : nil
        }
        if let anchor = fields["expires_after[anchor]"], anchor != "created_at" {
            throw APIError.invalidValue("expires_after.anchor", value: anchor, supported: ["created_at"])
        }
        guard let seconds = Int(secondsText), (3_600...2_592_000).contains(seconds) else {
            throw APIError(
                status: 400,
                message: "Invalid 'expires_after.seconds': expected an integer between 3600 and 2592000, "
                    + "but got '\(secondsText)' instead.",
                param: "expires_after.seconds", code: "invalid_value")
        }
        return now + seconds
    }
}

/// Running byte count of a part being uploaded (shared by the sequence and its iterator).
final class ByteCounter {
    var total = 0
}

/// The content of the current multipart part as `ByteBuffer`s, for `FileIO.writeFile`.
///
/// Past `limit` bytes it keeps reading (so the request can be answered) but stops yielding: the caller
/// sees `counter.total > limit` and rejects the upload without having written it all.
struct PartContent: AsyncSequence {
    typealias Element = ByteBuffer
    let reader: MultipartFormReader
    let limit: Int
    let counter = ByteCounter()

    struct AsyncIterator: AsyncIteratorProtocol {
        let reader: MultipartFormReader
        let limit: Int
        let counter: ByteCounter

        mutating func next() async throws -> ByteBuffer? {
            while let piece = try await reader.nextBuffer(limit: limit - counter.total) {
                let before = counter.total
                counter.total += piece.count
                if before < limit { return piece.buffer }
            }
            return nil
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(reader: reader, limit: limit, counter: counter)
    }
}
