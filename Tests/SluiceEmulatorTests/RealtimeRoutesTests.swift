import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import SluiceJSON
import Testing

@testable import SluiceEmulator

/// Runs `body` against an emulator with `faults` (router-level client, temporary state folder).
func withRealtimeEmulator<T: Sendable>(
    faults: FaultPlan = .none, seed: UInt64 = 7, _ body: @Sendable (API) async throws -> T
) async throws -> T {
    try await withTemporaryDirectory { dir in
        var logger = Logger(label: "emulator-test")
        logger.logLevel = .warning
        var configuration = EmulatorConfiguration(stateDirectory: dir, port: 0, seed: seed, timing: instant)
        configuration.faults = faults
        return try await Emulator(configuration: configuration, logger: logger).makeApplication().test(.router) {
            client in
            try await body(API(client: client))
        }
    }
}

extension API {
    /// POST `uri` with raw bytes as the body.
    func post(_ uri: String, raw: [UInt8]) async throws -> APIResponse {
        let headers: HTTPFields = [.authorization: "Bearer test", .contentType: "application/json"]
        let response = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: raw))
        let bytes = Array(response.body.readableBytesView)
        return APIResponse(
            status: Int(response.status.code), json: try? JSONParser.parse(bytes), bytes: bytes,
            headers: response.headers)
    }

    /// `realtime` of `GET /_emulator/stats`.
    func realtimeStats() async throws -> JSONValue {
        try #require(try await call(.get, "/_emulator/stats", auth: false).json?["realtime"])
    }
}

/// The body of a chat request line.
func chatBody(_ text: String, schema: JSONValue? = ticketSchema, model: String = "gpt-4o-mini") -> JSONValue {
    chatLine("x", text, schema: schema, model: model)["body"]!
}

/// An embeddings request body.
func embeddingsBody(_ input: JSONValue, dimensions: Int? = 32) -> JSONValue {
    var body = JSONObject([("model", "text-embedding-3-small"), ("input", input)])
    if let dimensions { body["dimensions"] = .int(dimensions) }
    return .object(body)
}

@Suite("Realtime endpoints")
struct RealtimeRoutesTests {
    @Test("chat and embeddings answer what a batch line with the same body gets")
    func sameAsBatch() async throws {
        try await withRealtimeEmulator { api in
            let chats = [chatBody("Ticket 1: my parcel is late"), chatBody("hello there", schema: nil)]
            let embedding = embeddingsBody(["late parcel", "refund my invoice"])
            let chatFile = try await api.uploadLines(
                chats.enumerated().map { index, body in
                    ["custom_id": .string("c\(index)"), "method": "POST", "url": "/v1/chat/completions", "body": body]
                })
            let embedFile = try await api.uploadLines([
                ["custom_id": "e0", "method": "POST", "url": "/v1/embeddings", "body": embedding]
            ])
            let chatBatch = try await api.createBatch(fileID: chatFile)
            let embedBatch = try await api.createBatch(fileID: embedFile, endpoint: "/v1/embeddings")
            var batchAnswers: [String: JSONValue] = [:]
            for id in [chatBatch["id"]!.stringValue!, embedBatch["id"]!.stringValue!] {
                let done = try await api.waitForBatch(id, until: ["completed", "failed"])
                #expect(done["status"] == "completed")
                for line in try await api.lines(try #require(done["output_file_id"]?.stringValue)) {
                    batchAnswers[line["custom_id"]!.stringValue!] = line["response"]?["body"]
                }
            }
            for (index, body) in chats.enumerated() {
                let response = try await api.call(.post, "/v1/chat/completions", json: body)
                #expect(response.status == 200)
                let answer = try #require(response.json)
                let batch = try #require(batchAnswers["c\(index)"])
                for key in ["object", "model", "choices", "usage", "service_tier", "system_fingerprint"] {
                    #expect(answer[key] == batch[key], "\(key)")
                }
                #expect(answer["id"]?.stringValue?.hasPrefix("chatcmpl-") == true)
                #expect(answer["id"] != batch["id"])
                #expect(answer["created"]?.numberValue != nil)
                // The same body again: the same answer.
                let again = try #require(try await api.call(.post, "/v1/chat/completions", json: body).json)
                #expect(again["choices"] == answer["choices"])
            }
            let content = try #require(
                batchAnswers["c0"]?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue)
            #expect(ticketProblems(try JSONParser.parse(content)) == [])
            let vectors = try await api.call(.post, "/v1/embeddings", json: embedding)
            #expect(vectors.status == 200)
            #expect(vectors.json == batchAnswers["e0"])
            #expect(vectors.json?["data"]?.arrayValue?.count == 2)
            #expect(vectors.json?["data"]?.arrayValue?.first?["embedding"]?.arrayValue?.count == 32)
        }
    }

    @Test(
        "the row triggers work as in batches: __sluice_fail__ is a 500, __sluice_invalid__ and __sluice_notjson__ shape the content"
    )
    func triggers() async throws {
        try await withRealtimeEmulator { api in
            let fail = try await api.call(.post, "/v1/chat/completions", json: chatBody("please __sluice_fail__"))
            #expect(fail.status == 500)
            #expect(fail.json == DeterministicModel.serverError.envelope)
            let embedFail = try await api.call(
                .post, "/v1/embeddings", json: embeddingsBody(.string("x __sluice_fail__")))
            #expect(embedFail.status == 500)
            #expect(embedFail.json == DeterministicModel.serverError.envelope)
            let invalid = try await api.call(.post, "/v1/chat/completions", json: chatBody("__sluice_invalid__ now"))
            #expect(invalid.status == 200)
            let broken = try #require(invalid.json?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue)
            #expect(ticketProblems(try JSONParser.parse(broken)) != [])
            let notJSON = try await api.call(.post, "/v1/chat/completions", json: chatBody("__sluice_notjson__"))
            #expect(notJSON.status == 200)
            #expect(
                notJSON.json?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue
                    == DeterministicModel.notJSONContent)
        }
    }

    @Test("validation errors: unknown model 404, missing messages, stream: true, a body that is not JSON")
    func errors() async throws {
        try await withRealtimeEmulator { api in
            let unknown = try await api.call(.post, "/v1/chat/completions", json: chatBody("hi", model: "unknown-9"))
            #expect(unknown.status == 404)
            #expect(
                unknown.json == [
                    "error": [
                        "message": "The model `unknown-9` does not exist or you do not have access to it.",
                        "type": "invalid_request_error", "param": nil, "code": "model_not_found",
                    ]
                ])
            let unknownEmbedding = try await api.call(
                .post, "/v1/embeddings", json: ["model": "unknown-embed", "input": "x"])
            #expect(unknownEmbedding.status == 404)
            #expect(unknownEmbedding.json?["error"]?["code"] == "model_not_found")
            let missing = try await api.call(.post, "/v1/chat/completions", json: ["model": "gpt-4o-mini"])
            #expect(missing.status == 400)
            #expect(missing.json == APIError.missing("messages").envelope)
            var streaming = chatBody("hi").objectValue!
            streaming["stream"] = true
            let stream = try await api.call(.post, "/v1/chat/completions", json: .object(streaming))
            #expect(stream.status == 400)
            #expect(
                stream.json == [
                    "error": [
                        "message":
                            "Streaming is not supported by the Sluice emulator: send 'stream': false or leave it out.",
                        "type": "invalid_request_error", "param": "stream", "code": "unsupported_value",
                    ]
                ])
            streaming["stream"] = false
            #expect(try await api.call(.post, "/v1/chat/completions", json: .object(streaming)).status == 200)
            let garbage = try await api.post("/v1/embeddings", raw: Array("{not json".utf8))
            #expect(garbage.status == 400)
            #expect(garbage.json == RequestInput.unparseableBody.envelope)
            let dimensions = try await api.call(
                .post, "/v1/embeddings", json: embeddingsBody(.string("x"), dimensions: 5000))
            #expect(dimensions.status == 400)
            #expect(dimensions.json?["error"]?["param"] == "dimensions")
        }
    }

    @Test("no key is a 401 that the realtime stats do not count; every answer has an x-request-id")
    func authentication() async throws {
        try await withRealtimeEmulator(faults: try FaultPlan(parsing: "http429=0.5")) { api in
            let refused = try await api.call(.post, "/v1/chat/completions", json: chatBody("hi"), auth: false)
            #expect(refused.status == 401)
            #expect(
                refused.json?["error"]?["message"]?.stringValue?.hasPrefix("You didn't provide an API key.") == true)
            #expect(try await api.realtimeStats()["requests"] == 0)
            var statuses: Set<Int> = []
            for i in 0..<12 {
                let response = try await api.call(.post, "/v1/chat/completions", json: chatBody("row \(i)"))
                statuses.insert(response.status)
                let id = response.requestID ?? ""
                #expect(id.hasPrefix("req_") && id.count == 36)
            }
            #expect(statuses == [200, 429])
            #expect(try await api.realtimeStats()["requests"] == 12)
        }
    }

    @Test("stats count realtime calls under realtime only, arrivals are listed, reset clears both")
    func stats() async throws {
        try await withRealtimeEmulator { api in
            for i in 0..<3 { _ = try await api.call(.post, "/v1/chat/completions", json: chatBody("row \(i)")) }
            _ = try await api.call(.post, "/v1/chat/completions", json: chatBody("__sluice_fail__"))
            _ = try await api.call(.post, "/v1/chat/completions", json: chatBody("x", model: "unknown-1"))
            _ = try await api.call(.post, "/v1/embeddings", json: embeddingsBody(.string("a b c")))
            let stats = try #require(try await api.call(.get, "/_emulator/stats", auth: false).json)
            #expect(stats["batches_created"] == 0)
            #expect(stats["files_uploaded"] == 0)
            #expect(stats["requests_received"] == 0)
            #expect(stats["by_metadata"] == [:])
            let realtime = try #require(stats["realtime"])
            #expect(realtime["requests"] == 6)
            #expect(realtime["answered"] == 4)
            #expect(realtime["rate_limited"] == 0)
            #expect(realtime["server_errors"] == 1)
            #expect(realtime["client_errors"] == 1)
            #expect(realtime["faults"] == ["http429": 0, "http5xx": 0])
            #expect(
                realtime["by_endpoint"] == [
                    "/v1/chat/completions": [
                        "requests": 5, "answered": 3, "rate_limited": 0, "server_errors": 1, "client_errors": 1,
                    ],
                    "/v1/embeddings": [
                        "requests": 1, "answered": 1, "rate_limited": 0, "server_errors": 0, "client_errors": 0,
                    ],
                ])
            // Six calls one after another: all within a minute. How many share a second or ten depends on the
            // machine's speed, so only their order is asserted; ArrivalWindowTests checks the counting exactly.
            let windows = try #require(realtime["max_in_window"])
            #expect(windows["60s"] == 6)
            let short = [windows["1s"], windows["10s"], windows["60s"]].compactMap { $0?.numberValue.map { Int($0) } }
            #expect(short.count == 3 && short[0] >= 1 && short[0] <= short[1] && short[1] <= short[2], "\(windows)")
            #expect(realtime["arrivals_kept"] == 6)
            let arrivals = try #require(try await api.call(.get, "/_emulator/realtime/arrivals", auth: false).json)
            #expect(arrivals["count"] == 6)
            #expect(arrivals["dropped"] == 0)
            let offsetValues = try #require(arrivals["offsets_ms"]?.arrayValue)
            let offsets = offsetValues.compactMap(\.numberValue)
            #expect(offsets.count == 6)
            #expect(offsets.first == 0)
            #expect(offsets == offsets.sorted())
            let reset = try #require(try await api.call(.post, "/_emulator/reset", auth: false).json)
            #expect(reset["realtime"]?["requests"] == 0)
            #expect(reset["realtime"]?["max_in_window"] == ["1s": 0, "10s": 0, "60s": 0])
            #expect(try await api.call(.get, "/_emulator/realtime/arrivals", auth: false).json?["count"] == 0)
        }
    }

    @Test("an injected 429 carries the real envelope, retry-after and x-ratelimit-* headers")
    func rateLimited() async throws {
        for (retryAfter, advertised, reset) in [(1.0, "1", "1s"), (0.5, "0.5", "500ms")] {
            let plan = try FaultPlan(parsing: "http429=1", retryAfterSeconds: retryAfter)
            try await withRealtimeEmulator(faults: plan) { api in
                let response = try await api.call(.post, "/v1/chat/completions", json: chatBody("hi"))
                #expect(response.status == 429)
                #expect(
                    response.json == [
                        "error": [
                            "message": .string(
                                "Rate limit reached for gpt-4o-mini in organization org-sluice-emulator on requests per "
                                    + "min (RPM): Limit 500, Used 500, Requested 1. Please try again in \(reset). Visit "
                                    + "https://platform.openai.com/account/rate-limits to learn more."),
                            "type": "requests", "param": nil, "code": "rate_limit_exceeded",
                        ]
                    ])
                func header(_ name: String) -> String? { response.headers[HTTPField.Name(name)!] }
                #expect(header("retry-after") == advertised)
                #expect(header("x-ratelimit-limit-requests") == "500")
                #expect(header("x-ratelimit-remaining-requests") == "0")
                #expect(header("x-ratelimit-reset-requests") == reset)
                #expect(header("x-ratelimit-limit-tokens") == "200000")
                #expect(header("content-type") == "application/json")
                #expect(response.requestID?.hasPrefix("req_") == true)
                let garbage = try await api.post("/v1/embeddings", raw: Array("{".utf8))
                #expect(garbage.status == 429, "faults come before the body is read")
                #expect(
                    garbage.json?["error"]?["message"]?.stringValue?.hasPrefix("Rate limit reached in organization")
                        == true)
                let stats = try await api.realtimeStats()
                #expect(stats["rate_limited"] == 2)
                #expect(stats["faults"] == ["http429": 2, "http5xx": 0])
            }
        }
    }

    @Test("faulted calls over many requests: close to the rates, the same with the same seed, as the plan draws them")
    func seededFaults() async throws {
        let plan = try FaultPlan(parsing: "http429=0.2,http5xx=0.05")
        let calls = 300
        @Sendable func run(seed: UInt64) async throws -> (statuses: [Int], stats: JSONValue) {
            try await withRealtimeEmulator(faults: plan, seed: seed) { api in
                var statuses: [Int] = []
                for i in 0..<calls {
                    let body = i % 3 == 0 ? embeddingsBody(.string("row \(i)")) : chatBody("row \(i)")
                    let uri = i % 3 == 0 ? "/v1/embeddings" : "/v1/chat/completions"
                    statuses.append(try await api.call(.post, uri, json: body).status)
                }
                return (statuses, try await api.realtimeStats())
            }
        }
        let first = try await run(seed: 7)
        let second = try await run(seed: 7)
        let other = try await run(seed: 9)
        #expect(first.statuses == second.statuses)
        #expect(first.statuses != other.statuses)
        let expected = (1...UInt64(calls)).map { call -> Int in
            guard let draw = plan.draw(seed: 7, call: call) else { return 200 }
            return draw.kind.answer(model: nil, variant: draw.variant, retryAfterSeconds: 1).error.status
        }
        #expect(first.statuses == expected)
        let limited = first.statuses.filter { $0 == 429 }.count
        let failed = first.statuses.filter { $0 >= 500 }.count
        // Binomial standard deviations: 6.9 and 3.8; four of them either side.
        #expect(abs(limited - 60) <= 28, "\(limited) 429s")
        #expect(abs(failed - 15) <= 15, "\(failed) 5xx")
        #expect(first.stats["requests"] == .int(calls))
        #expect(first.stats["rate_limited"] == .int(limited))
        #expect(first.stats["server_errors"] == .int(failed))
        #expect(first.stats["answered"] == .int(calls - limited - failed))
        #expect(first.stats["faults"] == ["http429": .int(limited), "http5xx": .int(failed)])
        #expect(first.stats == second.stats.settingWindows(from: first.stats))
    }
}

extension JSONValue {
    /// The same stats with `max_in_window` taken from `other` (windows depend on timing, counts must not).
    func settingWindows(from other: JSONValue) -> JSONValue {
        guard var object = objectValue else { return self }
        object["max_in_window"] = other["max_in_window"]
        return .object(object)
    }
}
