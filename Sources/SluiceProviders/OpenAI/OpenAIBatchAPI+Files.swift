import Foundation
import SluiceHTTP

extension OpenAIBatchAPI {
    /// Uploads a file as `multipart/form-data`, streamed from disk (`POST /files`).
    ///
    /// `expiresAfterSeconds` (3600–2592000) sets `expires_after` anchored at creation.
    public func uploadFile(
        path: String,
        purpose: String = "batch",
        filename: String? = nil,
        contentType: String = "application/octet-stream",
        expiresAfterSeconds: Int? = nil
    ) async throws(OpenAIAPIError) -> OpenAIFileObject {
        var parts: [MultipartPart] = [.field(name: "purpose", value: purpose)]
        if let expiresAfterSeconds {
            parts.append(.field(name: "expires_after[anchor]", value: "created_at"))
            parts.append(.field(name: "expires_after[seconds]", value: String(expiresAfterSeconds)))
        }
        let name = filename ?? URL(fileURLWithPath: path).lastPathComponent
        parts.append(.file(name: "file", path: path, filename: name, contentType: contentType))
        let response = try await send("POST", "/files", body: .multipart(parts))
        return try decode(OpenAIFileObject.self, from: response, operation: "POST /files")
    }

    /// Returns a file's metadata (`GET /files/{id}`).
    public func retrieveFile(id: String) async throws(OpenAIAPIError) -> OpenAIFileObject {
        let path = "/files/\(OpenAIURLText.escape(id))"
        let response = try await send("GET", path)
        return try decode(OpenAIFileObject.self, from: response, operation: "GET \(path)")
    }

    /// Streams a file's raw content into `path` (created or truncated) and returns its size.
    ///
    /// The bytes go straight to disk; write to a temporary name and rename when the caller needs
    /// the result to appear atomically. On an error status the file is left empty.
    @discardableResult
    public func downloadFileContent(id: String, to path: String) async throws(OpenAIAPIError) -> Int64 {
        let response = try await send(
            "GET",
            "/files/\(OpenAIURLText.escape(id))/content",
            accept: "application/binary",
            responseBodyFile: path
        )
        return response.bodyBytes
    }

    /// Deletes a file (`DELETE /files/{id}`).
    @discardableResult
    public func deleteFile(id: String) async throws(OpenAIAPIError) -> OpenAIFileDeletion {
        let path = "/files/\(OpenAIURLText.escape(id))"
        let response = try await send("DELETE", path)
        return try decode(OpenAIFileDeletion.self, from: response, operation: "DELETE \(path)")
    }

    /// One page of files (`GET /files?purpose=&order=&after=&limit=`), newest first unless `order` is `asc`.
    public func listFiles(
        purpose: String? = nil,
        after: String? = nil,
        limit: Int? = nil,
        order: String = "desc"
    ) async throws(OpenAIAPIError) -> OpenAIList<OpenAIFileObject> {
        var query: [(String, String)] = [("order", order)]
        if let purpose { query.append(("purpose", purpose)) }
        if let after { query.append(("after", after)) }
        if let limit { query.append(("limit", String(limit))) }
        let response = try await send("GET", "/files", query: query)
        return try decode(OpenAIList<OpenAIFileObject>.self, from: response, operation: "GET /files")
    }

    /// Every file of `purpose` created at or after `since` (Unix seconds), newest first, page by page;
    /// stops at the first older file.
    public func recentFiles(purpose: String?, since: Int64, pageSize: Int = 1000) async throws(OpenAIAPIError)
        -> [OpenAIFileObject]
    {
        var found: [OpenAIFileObject] = []
        var after: String?
        while true {
            let page = try await listFiles(purpose: purpose, after: after, limit: pageSize)
            for file in page.data {
                if file.createdAt < since { return found }
                found.append(file)
            }
            guard page.hasMore, let last = page.data.last?.id else { return found }
            after = last
        }
    }
}
