import Foundation
import HTTPTypes
import HummingbirdTesting
import SluiceJSON
import Testing

@testable import SluiceEmulator

@Suite("Anthropic transport and create-time validation")
struct AnthropicTransportTests {
    /// POSTs a create body and returns the error part of the 400 envelope.
    func createError(_ api: API, _ body: JSONValue) async throws -> JSONValue? {
        let response = try await api.anthropic(.post, "/v1/messages/batches", json: body)
        #expect(response.status == 400)
        return anthropicError(response)
    }

    func invalid(_ message: String) -> JSONValue {
        ["type": "invalid_request_error", "message": .string(message)]
    }

    @Test("custom_id rules, duplicates, missing fields, empty and too many requests are synchronous 400s")
    func createValidation() async throws {
        try await withEmulator(limits: EmulatorLimits(maxMessageBatchRequests: 3)) { api in
            let ok = batchRequest("ok", messageParams("x"))
            let cases: [(JSONValue, String)] = [
                (["requests": [batchRequest(String(repeating: "a", count: 65), messageParams("x"))]],
                 "requests.0.custom_id: String should have at most 64 characters"),
                (["requests": [ok, batchRequest("bad id!", messageParams("x"))]],
                 "requests.1.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'"),
                (["requests": [batchRequest("", messageParams("x"))]], "requests.0.custom_id: String should have at least 1 character"),
                (["requests": [["custom_id": 7, "params": .object(messageParams("x"))]]], "requests.0.custom_id: Input should be a valid string"),
                (["requests": [ok, batchRequest("b", messageParams("x")), batchRequest("ok", messageParams("y"))]],
                 "requests.2.custom_id: Duplicate custom_id 'ok' (also at requests.0); custom_id values must be unique within a batch"),
                (["requests": [["params": .object(messageParams("x"))]]], "requests.0.custom_id: Field required"),
                (["requests": [["custom_id": "a"]]], "requests.0.params: Field required"),
                (["requests": [["custom_id": "a", "params": "text"]]],
                 "requests.0.params: Input should be a valid dictionary or object to extract fields from"),
                (["requests": [["custom_id": "a", "params": .object(messageParams("x")), "extra": 1]]],
                 "requests.0.extra: Extra inputs are not permitted"),
                (["requests": []], "requests: List should have at least 1 item after validation, not 0"),
                (["requests": .array((1...4).map { batchRequest("r\($0)", messageParams("x")) })],
                 "requests: List should have at most 3 items after validation, not 4"),
                (["requests": "many"], "requests: Input should be a valid list"),
                (["batch": []], "batch: Extra inputs are not permitted"),
                ([:], "requests: Field required"),
            ]
            for (body, message) in cases {
                #expect(try await createError(api, body) == invalid(message), "\(message)")
            }
            for raw in ["", "{\"requests\":[", "{\"requests\":[{\"custom_id\":\"a\",\"params\":{}}]} x", "[1"] {
                let response = try await api.anthropic(.post, "/v1/messages/batches", raw: Array(raw.utf8))
                #expect(response.status == 400)
                #expect(anthropicError(response) == invalid("There was an issue with your request body: it is not valid JSON."))
            }
            // Nothing was created by any of them.
            #expect(try await api.anthropic(.get, "/v1/messages/batches").json?["data"] == [])
            #expect(try await api.call(.get, "/_emulator/stats").json?["anthropic_batches_created"] == 0)
            // Exactly the limit is fine.
            let three = try await api.createMessageBatch((1...3).map { batchRequest("r\($0)", messageParams("x")) })
            #expect(three["request_counts"]?["processing"] == 3)
        }
    }

    @Test("the envelope is scanned, not split naively: whitespace, escapes and brackets inside strings survive")
    func envelopeScanning() async throws {
        try await withEmulator { api in
            let tricky = "quote \" brace } bracket ] comma , backslash \\ newline \n unicode é"
            let params = messageParams(tricky, extra: [jsonSchemaOutput()])
            let compact = JSONWriter.string(["requests": [batchRequest("t-1_A", params), batchRequest("t2", messageParams("x"))]])
            let spaced = compact.replacingOccurrences(of: "{\"requests\":[", with: " \n{ \"requests\" :\r\n [ ")
                .replacingOccurrences(of: "]}", with: " \n ] \t}\n")
            let response = try await api.anthropic(.post, "/v1/messages/batches", raw: Array(spaced.utf8))
            try #require(response.status == 200, "\(String(decoding: response.bytes, as: UTF8.self))")
            let id = try #require(response.json?["id"]?.stringValue)
            #expect(response.json?["request_counts"]?["processing"] == 2)
            _ = try await api.waitForMessageBatch(id)
            let results = try await api.messageBatchResults(id)
            let batched = try #require(results.first { $0["custom_id"] == "t-1_A" }?["result"]?["message"])
            // The batch request was stored intact: its answer is the one the same params get realtime.
            let realtime = try #require(try await api.anthropic(.post, "/v1/messages", json: .object(params)).json)
            #expect(batched["content"] == realtime["content"] && batched["usage"] == realtime["usage"])
        }
    }

    @Test("a create body over the size limit is a 413 request_too_large; nothing is created")
    func tooLarge() async throws {
        try await withEmulator(limits: EmulatorLimits(maxMessageBatchBytes: 2_000)) { api in
            let small = JSONWriter.bytes(["requests": [batchRequest("a", messageParams("x"))]])
            #expect(small.count < 2_000)
            let big = JSONWriter.bytes(["requests": .array((1...40).map { batchRequest("r\($0)", messageParams("padding text \($0)")) })])
            #expect(big.count > 2_000)
            let response = try await api.anthropic(.post, "/v1/messages/batches", raw: big)
            #expect(response.status == 413)
            #expect(anthropicError(response) == ["type": "request_too_large", "message": "Request exceeds the maximum allowed number of bytes."])
            #expect(try await api.call(.get, "/_emulator/stats").json?["anthropic_batches_created"] == 0)
            #expect(try await api.anthropic(.post, "/v1/messages/batches", raw: small).status == 200)
        }
    }

    @Test("x-api-key or bearer key required (401), anthropic-version required (400), request-id on every response")
    func authentication() async throws {
        try await withEmulator { api in
            let noKey = try await api.anthropic(.get, "/v1/messages/batches", key: false)
            #expect(noKey.status == 401)
            #expect(anthropicError(noKey) == ["type": "authentication_error", "message": "x-api-key header is required"])
            let noVersion = try await api.anthropic(.get, "/v1/messages/batches", version: false)
            #expect(noVersion.status == 400)
            #expect(anthropicError(noVersion) == invalid("anthropic-version: header is required"))
            let noVersionPost = try await api.anthropic(.post, "/v1/messages", json: .object(messageParams("x")), version: false)
            #expect(noVersionPost.status == 400)
            // Authorization: Bearer works too (the SDK's auth_token).
            var headers: HTTPFields = [.authorization: "Bearer token"]
            headers[HTTPField.Name("anthropic-version")!] = "2023-06-01"
            let bearer = try await api.client.execute(uri: "/v1/messages/batches", method: .get, headers: headers, body: nil)
            #expect(bearer.status == .ok)
            #expect(bearer.headers[HTTPField.Name("request-id")!] != nil)
        }
    }

    @Test("unknown ids and routes under /v1/messages get the Anthropic 404; OpenAI paths keep the OpenAI envelope")
    func notFoundAndSplit() async throws {
        try await withEmulator { api in
            let missing = try await api.anthropic(.get, "/v1/messages/batches/msgbatch_nope")
            #expect(missing.status == 404)
            #expect(anthropicError(missing) == ["type": "not_found_error", "message": "No Message Batch found with id 'msgbatch_nope'."])
            for path in ["/v1/messages/nope", "/v1/messages/batches/x/y/z"] {
                let route = try await api.anthropic(.get, path)
                #expect(route.status == 404)
                #expect(anthropicError(route) == ["type": "not_found_error", "message": "Not Found"])
            }
            let openAI = try await api.call(.get, "/v1/batches/batch_nope")
            #expect(openAI.status == 404)
            #expect(openAI.requestID?.hasPrefix("req_") == true)
            #expect(openAI.headers[HTTPField.Name("request-id")!] == nil)
            #expect(openAI.json?["error"]?["message"] == "No batch found with id 'batch_nope'.")
            let openAIKeyless = try await api.call(.get, "/v1/batches", auth: false)
            #expect(openAIKeyless.status == 401 && openAIKeyless.json?["error"]?["type"] == "invalid_request_error")
        }
    }
}
