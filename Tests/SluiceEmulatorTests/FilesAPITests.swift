import Foundation
import SluiceJSON
import Testing

@testable import SluiceEmulator

@Suite("Files API")
struct FilesAPITests {
    @Test("upload, retrieve, content round-trips bytes exactly (multipart boundary look-alikes included), delete")
    func roundTrip() async throws {
        try await withEmulator { api in
            // Content that contains CRLF and "--" runs, across many 32 KB body chunks.
            var content: [UInt8] = []
            for i in 0..<20_000 { content += Array("line \(i)\r\n--not-a-boundary\r\n-\r\n".utf8) }
            let upload = try await api.upload(content, filename: "data.jsonl")
            #expect(upload.status == 200)
            let file = try #require(upload.json)
            #expect(file["object"] == "file")
            #expect(file["purpose"] == "batch")
            #expect(file["filename"] == "data.jsonl")
            #expect(file["bytes"]?.numberValue == Double(content.count))
            #expect(file["status"] == "processed")
            #expect(file["status_details"] == .null)
            #expect(file["expires_at"]?.numberValue == (file["created_at"]?.numberValue ?? 0) + 30 * 86_400)
            let id = try #require(file["id"]?.stringValue)
            #expect(id.hasPrefix("file-"))
            #expect(try await api.call(.get, "/v1/files/\(id)").json == file)
            #expect(try await api.content(id) == content)

            let deleted = try await api.call(.delete, "/v1/files/\(id)")
            #expect(deleted.json == ["id": .string(id), "object": "file", "deleted": true])
            #expect(try await api.call(.get, "/v1/files/\(id)").status == 404)
        }
    }

    @Test("batch uploads must be .jsonl and within the size limit")
    func uploadRules() async throws {
        try await withEmulator(limits: EmulatorLimits(maxBatchFileBytes: 100)) { api in
            let wrongName = try await api.upload(Array("{}\n".utf8), filename: "data.csv")
            #expect(wrongName.status == 400)
            #expect(
                wrongName.json == [
                    "error": [
                        "message": "Invalid file format for Batch API. Must be .jsonl", "type": "invalid_request_error",
                        "param": nil, "code": nil,
                    ]
                ])
            let big = try await api.upload([UInt8](repeating: 0x41, count: 101))
            #expect(big.status == 400)
            #expect(big.json?["error"]?["message"] == "File is too large.")
            let badPurpose = try await api.upload(Array("{}\n".utf8), purpose: "nonsense")
            #expect(badPurpose.status == 400)
            #expect(badPurpose.json?["error"]?["param"] == "purpose")
            let other = try await api.upload([UInt8](repeating: 0x41, count: 101), filename: "notes.txt", purpose: "user_data")
            #expect(other.status == 200)
            let list = try #require(try await api.call(.get, "/v1/files").json)
            #expect(list["data"]?.arrayValue?.count == 1)
            let stats = try #require(try await api.call(.get, "/_emulator/stats").json)
            #expect(stats["files_uploaded"] == 1)
        }
    }

    @Test("list files filters by purpose, orders and pages")
    func listFiles() async throws {
        try await withEmulator { api in
            var ids: [String] = []
            for i in 0..<4 { ids.append(try await api.uploadLines([chatLine("r\(i)", "x", schema: nil)])) }
            _ = try await api.upload(Array("x".utf8), filename: "a.txt", purpose: "user_data")
            let batchFiles = try #require(try await api.call(.get, "/v1/files?purpose=batch&order=asc&limit=3").json)
            #expect((batchFiles["data"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue } == Array(ids.prefix(3)))
            #expect(batchFiles["has_more"] == true)
            let next = try #require(try await api.call(.get, "/v1/files?purpose=batch&order=asc&after=\(ids[2])").json)
            #expect((next["data"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue } == [ids[3]])
            #expect(next["has_more"] == false)
            let newest = try #require(try await api.call(.get, "/v1/files?limit=1").json)
            #expect(newest["data"]?.arrayValue?.first?["purpose"] == "user_data")
        }
    }
}
