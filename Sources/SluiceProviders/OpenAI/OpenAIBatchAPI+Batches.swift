import Foundation
import SluiceHTTP

extension OpenAIBatchAPI {
    /// Creates a batch over an uploaded input file (`POST /batches`).
    ///
    /// A transport failure after the server received the request may have created the batch
    /// anyway; tag it with `metadata` so a caller can find it again with `allBatches`. Pass
    /// `retry: .never` to reconcile by listing before trying again, instead of retrying blindly.
    public func createBatch(
        inputFileID: String,
        endpoint: String,
        completionWindow: String = "24h",
        metadata: [String: String]? = nil,
        outputExpiresAfterSeconds: Int? = nil,
        retry: RetryPolicy? = nil
    ) async throws(OpenAIAPIError) -> OpenAIBatch {
        let payload = OpenAIBatchCreation(
            inputFileID: inputFileID,
            endpoint: endpoint,
            completionWindow: completionWindow,
            metadata: metadata,
            outputExpiresAfter: outputExpiresAfterSeconds.map { .init(anchor: "created_at", seconds: $0) }
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let json = try? encoder.encode(payload) else {
            throw OpenAIAPIError(code: .decode, operation: "POST /batches", message: "cannot encode the request")
        }
        let response = try await send(
            "POST", "/batches", body: .bytes(Array(json), contentType: "application/json"), retry: retry)
        if quirks.wrappedCreate { return try decode(OpenAIWrappedBatch.self, from: response, operation: "POST /batches").job }
        return try decode(OpenAIBatch.self, from: response, operation: "POST /batches")
    }

    /// Returns a batch (`GET /batches/{id}`).
    public func retrieveBatch(id: String) async throws(OpenAIAPIError) -> OpenAIBatch {
        let path = "/batches/\(OpenAIURLText.escape(id))"
        let response = try await send("GET", path)
        return try decode(OpenAIBatch.self, from: response, operation: "GET \(path)")
    }

    /// Asks for a batch to be cancelled (`POST /batches/{id}/cancel`); it goes to `cancelling`.
    public func cancelBatch(id: String) async throws(OpenAIAPIError) -> OpenAIBatch {
        let path = "/batches/\(OpenAIURLText.escape(id))/cancel"
        let response = try await send("POST", path)
        return try decode(OpenAIBatch.self, from: response, operation: "POST \(path)")
    }

    /// One page of batches (`GET /batches?after=&limit=`); `limit` is 1–100, the server's default 20.
    public func listBatches(
        after: String? = nil,
        limit: Int? = nil
    ) async throws(OpenAIAPIError)
        -> OpenAIList<OpenAIBatch>
    {
        var query: [(String, String)] = []
        if let after { query.append(("after", after)) }
        if let limit { query.append(("limit", String(limit))) }
        let response = try await send("GET", "/batches", query: query)
        return try decode(OpenAIList<OpenAIBatch>.self, from: response, operation: "GET /batches")
    }

    /// Every batch, page by page, each page starting after the previous page's last item.
    ///
    /// With `since` (Unix seconds) only batches created at or after it are yielded, and paging stops
    /// at the first older batch as long as the listing has been newest-first so far.
    public func allBatches(since: Int64? = nil, after: String? = nil, pageSize: Int = 100) -> OpenAIBatchSequence {
        OpenAIBatchSequence(api: self, since: since, after: after, pageSize: pageSize)
    }
}

/// The JSON body of `POST /batches`.
struct OpenAIBatchCreation: Encodable {
    struct Expiry: Encodable {
        var anchor: String
        var seconds: Int
    }

    var inputFileID: String
    var endpoint: String
    var completionWindow: String
    var metadata: [String: String]?
    var outputExpiresAfter: Expiry?

    enum CodingKeys: String, CodingKey {
        case endpoint, metadata
        case inputFileID = "input_file_id"
        case completionWindow = "completion_window"
        case outputExpiresAfter = "output_expires_after"
    }
}
