import Foundation
import SluiceJSON
import Testing

@testable import SluiceEmulator

@Suite("HTTP errors and envelopes")
struct APIErrorTests {
    func envelope(_ message: String, param: String? = nil, code: String? = nil) -> JSONValue {
        [
            "error": [
                "message": .string(message), "type": "invalid_request_error",
                "param": param.map(JSONValue.string) ?? nil, "code": code.map(JSONValue.string) ?? nil,
            ]
        ]
    }

    @Test("unknown batch and file ids answer 404 with the real envelopes")
    func notFound() async throws {
        try await withEmulator { api in
            let batch = try await api.call(.get, "/v1/batches/batch_nope")
            #expect(batch.status == 404)
            #expect(batch.json == envelope("No batch found with id 'batch_nope'."))
            let cancel = try await api.call(.post, "/v1/batches/batch_nope/cancel")
            #expect(cancel.status == 404)
            #expect(cancel.json == envelope("No batch found with id 'batch_nope'."))
            for (verb, uri) in [(Verb.get, "/v1/files/file-nope"), (.get, "/v1/files/file-nope/content"), (.delete, "/v1/files/file-nope")] {
                let response = try await api.call(verb, uri)
                #expect(response.status == 404)
                #expect(response.json == envelope("No such File object: file-nope", param: "id"))
            }
            let route = try await api.call(.get, "/v1/nothing")
            #expect(route.status == 404)
            #expect(route.json == envelope("Invalid URL (GET /v1/nothing)"), "\(String(decoding: route.bytes, as: UTF8.self)) \(route.headers)")
        }
    }

    @Test("a request without a bearer key is 401; every response carries x-request-id")
    func authentication() async throws {
        try await withEmulator { api in
            let response = try await api.call(.get, "/v1/batches", auth: false)
            #expect(response.status == 401)
            let message = response.json?["error"]?["message"]?.stringValue ?? ""
            #expect(message.hasPrefix("You didn't provide an API key."))
            #expect(response.json?["error"]?["type"] == "invalid_request_error")
            for r in [response, try await api.call(.get, "/v1/batches"), try await api.call(.get, "/v1/batches/x")] {
                let id = r.requestID ?? ""
                #expect(id.hasPrefix("req_") && id.count == 36)
            }
            #expect(try await api.call(.get, "/_emulator/stats", auth: false).status == 200)
        }
    }

    @Test("create rejects bad endpoint, metadata type, completion window and missing fields with 400")
    func createErrors() async throws {
        try await withEmulator { api in
            func create(_ body: JSONValue) async throws -> APIResponse { try await api.call(.post, "/v1/batches", json: body) }
            let endpoint = try await create(["input_file_id": "file-x", "endpoint": "/v1/invalid/endpoint", "completion_window": "24h"])
            #expect(endpoint.status == 400)
            #expect(
                endpoint.json
                    == envelope(
                        "Invalid value: '/v1/invalid/endpoint'. Supported values are: '/v1/chat/completions', "
                            + "'/v1/completions', '/v1/embeddings', and '/v1/responses'.",
                        param: "endpoint", code: "invalid_value"))
            let metadata = try await create([
                "input_file_id": "file-x", "endpoint": "/v1/chat/completions", "completion_window": "24h",
                "metadata": ["tags": ["a", "b"]],
            ])
            #expect(metadata.status == 400)
            #expect(
                metadata.json
                    == envelope(
                        "Invalid type for 'metadata.tags': expected a string, but got an array instead.",
                        param: "metadata.tags", code: "invalid_type"))
            for window in ["1h", "48h", ""] {
                let response = try await create(["input_file_id": "file-x", "endpoint": "/v1/chat/completions", "completion_window": .string(window)])
                #expect(response.status == 400)
                #expect(response.json?["error"]?["param"] == "completion_window")
            }
            let missing = try await create(["endpoint": "/v1/chat/completions", "completion_window": "24h"])
            #expect(missing.json == envelope("Missing required parameter: 'input_file_id'.", param: "input_file_id", code: "missing_required_parameter"))
            let garbage = try await api.call(.post, "/v1/batches", json: "just a string")
            #expect(garbage.status == 400)
            #expect(garbage.json?["error"]?["message"]?.stringValue?.hasPrefix("We could not parse the JSON body") == true)
            let stats = try #require(try await api.call(.get, "/_emulator/stats").json)
            #expect(stats["batches_created"] == 0)
        }
    }

    @Test("cancelling a completed or failed batch is 409; a cancelled one may be cancelled again")
    func cancelConflicts() async throws {
        try await withEmulator { api in
            let fileID = try await api.uploadLines([chatLine("r1", "x")])
            let done = try #require(try await api.createBatch(fileID: fileID)["id"]?.stringValue)
            _ = try await api.waitForBatch(done, until: ["completed"])
            let conflict = try await api.call(.post, "/v1/batches/\(done)/cancel")
            #expect(conflict.status == 409)
            #expect(conflict.json == envelope("Cannot cancel a batch with status 'completed'."))

            let failed = try #require(try await api.createBatch(fileID: "file-missing")["id"]?.stringValue)
            _ = try await api.waitForBatch(failed, until: ["failed"])
            let conflict2 = try await api.call(.post, "/v1/batches/\(failed)/cancel")
            #expect(conflict2.status == 409)
            #expect(conflict2.json == envelope("Cannot cancel a batch with status 'failed'."))
        }
    }

    @Test("list: newest first, cursor pagination without duplicates, limit bounds")
    func listPagination() async throws {
        try await withEmulator { api in
            let fileID = try await api.uploadLines([chatLine("r1", "x", schema: nil)])
            var created: [String] = []
            for _ in 0..<7 { created.append(try #require(try await api.createBatch(fileID: fileID)["id"]?.stringValue)) }
            var seen: [String] = []
            var after: String?
            var pages = 0
            repeat {
                let uri = "/v1/batches?limit=3" + (after.map { "&after=\($0)" } ?? "")
                let page = try #require(try await api.call(.get, uri).json)
                #expect(page["object"] == "list")
                let ids = (page["data"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
                #expect(page["first_id"]?.stringValue == ids.first)
                #expect(page["last_id"]?.stringValue == ids.last)
                seen += ids
                after = ids.last
                pages += 1
                if page["has_more"] != true { break }
            } while pages < 10
            #expect(pages == 3)
            #expect(seen == created.reversed())

            let above = try await api.call(.get, "/v1/batches?limit=101")
            #expect(above.status == 400)
            #expect(
                above.json
                    == envelope(
                        "Invalid 'limit': integer above maximum value. Expected a value <= 100, but got 101 instead.",
                        param: "limit", code: "integer_above_max_value"))
            let below = try await api.call(.get, "/v1/batches?limit=0")
            #expect(below.status == 400)
            #expect(below.json?["error"]?["code"] == "integer_below_min_value")
            let all = try #require(try await api.call(.get, "/v1/batches").json)
            #expect(all["data"]?.arrayValue?.count == 7)
            #expect(all["has_more"] == false)
        }
    }
}
