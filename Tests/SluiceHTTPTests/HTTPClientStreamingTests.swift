import Foundation
import SluiceHTTP
import Testing

@Suite("HTTPClient streaming bodies")
struct HTTPClientStreamingTests {
    @Test("A 100 MB response streams into a file, never into memory")
    func largeDownloadToFile() async throws {
        // A 1 MiB in-memory limit proves the body bypasses memory: buffering it would fail.
        let client = HTTPClient(configuration: .init(maxInMemoryResponseBytes: 1 << 20))
        let total = 100 * PatternData.blockSize
        try await withTemporaryFolder { folder in
            try await withTestServer(.http) { server in
                let path = "\(folder)/large.bin"
                let response = try await client.execute(
                    HTTPRequest(url: "\(server.baseURL)/large?bytes=\(total)&chunked=1", responseBodyFile: path)
                )
                #expect(response.status == 200)
                #expect(response.body.isEmpty)
                #expect(response.bodyBytes == Int64(total))
                let attributes = try FileManager.default.attributesOfItem(atPath: path)
                #expect((attributes[.size] as? NSNumber)?.intValue == total)
                #expect(try Checksum.ofFile(path) == PatternData.checksum(totalBytes: total))
            }
        }
    }

    @Test("An error status keeps its body in memory and leaves the target file empty")
    func errorBodyNotInFile() async throws {
        try await withTemporaryFolder { folder in
            try await withTestServer(.http) { server in
                let path = "\(folder)/out.bin"
                try Data("stale".utf8).write(to: URL(fileURLWithPath: path))
                let response = try await HTTPClient().execute(
                    HTTPRequest(url: "\(server.baseURL)/status/404", responseBodyFile: path)
                )
                #expect(response.status == 404)
                #expect(response.bodyText == #"{"status":404}"#)
                #expect(try Data(contentsOf: URL(fileURLWithPath: path)).isEmpty)
            }
        }
    }

    @Test("A 50 MB multipart upload streams from disk and arrives byte for byte")
    func multipartUpload() async throws {
        let total = 50 * PatternData.blockSize + 123
        try await withTemporaryFolder { folder in
            let path = "\(folder)/input.jsonl"
            try PatternData.writeFile(path, totalBytes: total)
            let expected = try Checksum.ofFile(path)
            try await withTestServer(.http) { server in
                let request = HTTPRequest(
                    method: "POST",
                    url: "\(server.baseURL)/upload",
                    body: .multipart([
                        .field(name: "purpose", value: "batch"),
                        .file(name: "file", path: path, filename: "chunk-1.jsonl", contentType: "application/jsonl"),
                    ])
                )
                let response = try await HTTPClient().execute(request)
                #expect(response.status == 200)
                let parts = try JSONDecoder().decode([ReceivedPart].self, from: Data(response.body))
                #expect(parts.count == 2)
                #expect(parts.first?.name == "purpose")
                #expect(parts.first?.text == "batch")
                #expect(parts.last?.name == "file")
                #expect(parts.last?.filename == "chunk-1.jsonl")
                #expect(parts.last?.contentType == "application/jsonl")
                #expect(parts.last?.checksum == expected)
                #expect(expected.count == Int64(total))
            }
        }
    }

    @Test("A .file body streams from disk with its size and content type")
    func fileBody() async throws {
        let total = 3 * PatternData.blockSize + 7
        try await withTemporaryFolder { folder in
            let path = "\(folder)/body.bin"
            try PatternData.writeFile(path, totalBytes: total)
            try await withTestServer(.http) { server in
                let response = try await HTTPClient().execute(
                    HTTPRequest(
                        method: "POST",
                        url: "\(server.baseURL)/checksum",
                        body: .file(path: path, contentType: "application/x-ndjson")
                    )
                )
                #expect(response.status == 200)
                let received = try JSONDecoder().decode(Checksum.self, from: Data(response.body))
                #expect(received == PatternData.checksum(totalBytes: total))
                #expect(response.headers["x-echo-content-type"] == "application/x-ndjson")
            }
        }
    }

    @Test("An in-memory body over the limit fails with http.too_large, with or without Content-Length")
    func tooLarge() async throws {
        let client = HTTPClient(configuration: .init(maxInMemoryResponseBytes: 1000))
        try await withTestServer(.http) { server in
            for chunked in ["0", "1"] {
                let error = await #expect(throws: HTTPError.self) {
                    try await client.execute(HTTPRequest(url: "\(server.baseURL)/large?bytes=5000&chunked=\(chunked)"))
                }
                #expect(error?.code == .tooLarge)
            }
            let fits = try await client.execute(HTTPRequest(url: "\(server.baseURL)/large?bytes=1000"))
            #expect(fits.bodyBytes == 1000)
        }
    }
}
