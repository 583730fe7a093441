import Foundation
import HTTPTypes
import SluiceJSON
import Testing

@testable import SluiceEmulator

@Suite("Anthropic Message Batches: lifecycle, results, list, cancel, delete, restart")
struct AnthropicBatchesTests {
    /// 40 requests spread over 4 seconds, so a cancel lands mid-batch.
    let slow = EmulatorTiming(validatingDelay: .zero, processingDelay: .seconds(4), finalizingDelay: .milliseconds(10))

    static let batchKeys = [
        "id", "type", "processing_status", "request_counts", "ended_at", "created_at", "expires_at", "archived_at",
        "cancel_initiated_at", "results_url",
    ]

    @Test("create answers in_progress with every request processing; ended publishes the buckets and results_url")
    func createAndEnd() async throws {
        try await withEmulator { api in
            let requests = (1...3).map { batchRequest("r\($0)", messageParams("Ticket \($0): parcel late")) }
            let response = try await api.anthropic(.post, "/v1/messages/batches", json: ["requests": .array(requests)])
            #expect(response.status == 200)
            #expect(response.headers[HTTPField.Name("request-id")!]?.wholeMatch(of: /req_01[A-Za-z0-9]{22}/) != nil)
            #expect(response.requestID == nil, "no OpenAI x-request-id on Anthropic paths")
            let created = try #require(response.json)
            #expect(created.objectValue?.keys == Self.batchKeys)
            let id = try #require(created["id"]?.stringValue)
            #expect(id.wholeMatch(of: /msgbatch_01[A-Za-z0-9]{22}/) != nil)
            #expect(created["type"] == "message_batch")
            #expect(created["processing_status"] == "in_progress")
            #expect(created["request_counts"] == ["processing": 3, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0])
            for key in ["ended_at", "archived_at", "cancel_initiated_at", "results_url"] { #expect(created[key] == .null) }
            let createdAt = try #require(rfc3339Seconds(created["created_at"]?.stringValue ?? ""))
            let expiresAt = try #require(rfc3339Seconds(created["expires_at"]?.stringValue ?? ""))
            #expect(abs(expiresAt - createdAt - 86_400) < 0.001)
            #expect(abs(createdAt - Date().timeIntervalSince1970) < 60)

            let ended = try await api.waitForMessageBatch(id)
            #expect(ended["request_counts"] == ["processing": 0, "succeeded": 3, "errored": 0, "canceled": 0, "expired": 0])
            let endedAt = try #require(rfc3339Seconds(ended["ended_at"]?.stringValue ?? ""))
            #expect(endedAt >= createdAt)
            #expect(ended["cancel_initiated_at"] == .null && ended["archived_at"] == .null)
            let url = try #require(ended["results_url"]?.stringValue)
            #expect(url.hasPrefix("http://") && url.hasSuffix("/v1/messages/batches/\(id)/results"))
            let results = try await api.messageBatchResults(id)
            #expect(results.compactMap { $0["custom_id"]?.stringValue }.sorted() == ["r1", "r2", "r3"])
            for line in results {
                #expect(line.objectValue?.keys == ["custom_id", "result"])
                #expect(line["result"]?.objectValue?.keys == ["type", "message"])
                let message = try #require(line["result"]?["message"])
                #expect(message.objectValue?.keys == ["id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage"])
                #expect(message["id"]?.stringValue?.wholeMatch(of: /msg_01[A-Za-z0-9]{22}/) != nil)
                #expect(message["model"] == "claude-sonnet-4-5" && message["role"] == "assistant")
                #expect(message["stop_reason"] == "end_turn" && message["stop_sequence"] == .null)
            }
            let again = try #require(try await api.anthropic(.get, "/v1/messages/batches/\(id)").json)
            #expect(again == ended)
        }
    }

    @Test("one batch holds succeeded, errored (api_error and invalid_request_error), canceled and expired results")
    func everyResultType() async throws {
        try await withEmulator(timing: slow) { api in
            var requests = [
                batchRequest("fail", messageParams("please __sluice_fail__")),
                batchRequest("expire", messageParams("this one __sluice_expire__")),
                batchRequest("zero", messageParams("x", maxTokens: 0)),
                batchRequest("stream", messageParams("x", extra: [("stream", true)])),
                batchRequest("nomessages", JSONObject([("model", "claude-sonnet-4-5"), ("max_tokens", 10)])),
                batchRequest("nomax", JSONObject([("model", "claude-sonnet-4-5"), ("messages", [["role": "user", "content": "hi"]])])),
                batchRequest("unknown", messageParams("x", model: "unknown-model")),
            ]
            requests += (1...33).map { batchRequest("ok\($0)", messageParams("ticket \($0)")) }
            let id = try #require(try await api.createMessageBatch(requests)["id"]?.stringValue)
            // Cancel once the seven special requests and one more have run, however busy this machine is.
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                let progress = try await api.call(.get, "/_emulator/message_batches/\(id)", auth: false).json
                if (progress?["answered"]?.numberValue ?? 0) >= 8 { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            let canceling = try #require(try await api.anthropic(.post, "/v1/messages/batches/\(id)/cancel").json)
            #expect(canceling["processing_status"] == "canceling")
            #expect(rfc3339Seconds(canceling["cancel_initiated_at"]?.stringValue ?? "") != nil)
            #expect(canceling["request_counts"]?["processing"] == 40, "counts stay in processing until the end")
            #expect(canceling["results_url"] == .null)

            let ended = try await api.waitForMessageBatch(id)
            #expect(ended["cancel_initiated_at"] == canceling["cancel_initiated_at"])
            let counts = try #require(ended["request_counts"])
            let succeeded = Int(counts["succeeded"]?.numberValue ?? -1)
            let canceled = Int(counts["canceled"]?.numberValue ?? -1)
            #expect(counts["processing"] == 0 && counts["errored"] == 6 && counts["expired"] == 1)
            #expect(succeeded >= 1 && canceled >= 1 && succeeded + canceled == 33)

            let results = try await api.messageBatchResults(id)
            #expect(results.count == 40)
            var byID: [String: JSONValue] = [:]
            for line in results { byID[line["custom_id"]?.stringValue ?? ""] = line["result"] }
            #expect(byID.count == 40)
            func error(_ id: String) -> JSONValue? { byID[id]?["error"] }
            #expect(byID["fail"] == ["type": "errored", "error": ["type": "error", "error": ["type": "api_error", "message": "Internal server error"]]])
            #expect(byID["expire"] == ["type": "expired"])
            #expect(error("zero")?["error"] == ["type": "invalid_request_error", "message": "max_tokens: Input should be greater than or equal to 1"])
            #expect(error("stream")?["error"] == ["type": "invalid_request_error", "message": "stream: Streaming is not supported in the Message Batches API"])
            #expect(error("nomessages")?["error"] == ["type": "invalid_request_error", "message": "messages: Field required"])
            #expect(error("nomax")?["error"] == ["type": "invalid_request_error", "message": "max_tokens: Field required"])
            #expect(error("unknown")?["error"] == ["type": "not_found_error", "message": "model: unknown-model"])
            let types = results.compactMap { $0["result"]?["type"]?.stringValue }
            #expect(types.filter { $0 == "succeeded" }.count == succeeded)
            #expect(types.filter { $0 == "canceled" }.count == canceled)
            for line in results where line["result"]?["type"] == "canceled" { #expect(line["result"] == ["type": "canceled"]) }
            // The first requests ran before the cancel; a canceled one never comes before a processed one.
            let order = (1...33).map { byID["ok\($0)"]?["type"]?.stringValue ?? "" }
            #expect(order == Array(repeating: "succeeded", count: succeeded) + Array(repeating: "canceled", count: canceled))

            let again = try #require(try await api.anthropic(.post, "/v1/messages/batches/\(id)/cancel").json)
            #expect(again == ended, "cancelling an ended batch changes nothing")
        }
    }

    @Test("results come back shuffled, and the same bytes every time they are fetched")
    func shuffled() async throws {
        try await withEmulator { api in
            let ids = (1...30).map { "r\($0)" }
            let id = try #require(try await api.createMessageBatch(ids.map { batchRequest($0, messageParams($0)) })["id"]?.stringValue)
            _ = try await api.waitForMessageBatch(id)
            let bytes = try await api.messageBatchResultBytes(id)
            let served = try await api.messageBatchResults(id).compactMap { $0["custom_id"]?.stringValue }
            #expect(served.sorted() == ids.sorted())
            #expect(served != ids)
            #expect(try await api.messageBatchResultBytes(id) == bytes)
        }
    }

    @Test("a request still waiting when expires_at passes ends expired")
    func expiresByClock() async throws {
        // 80 requests paced over 8 s against a 4 s window: about half run, and a busy machine that starts the
        // batch late (up to nearly 4 s) still runs some before the window closes.
        let timing = EmulatorTiming(
            validatingDelay: .zero, processingDelay: .seconds(8), finalizingDelay: .zero, completionWindow: .seconds(4))
        try await withEmulator(timing: timing) { api in
            let created = try await api.createMessageBatch((1...80).map { batchRequest("r\($0)", messageParams("t\($0)")) })
            let createdAt = try #require(rfc3339Seconds(created["created_at"]?.stringValue ?? ""))
            let expiresAt = try #require(rfc3339Seconds(created["expires_at"]?.stringValue ?? ""))
            #expect(abs(expiresAt - createdAt - 4) < 0.001)
            let ended = try await api.waitForMessageBatch(try #require(created["id"]?.stringValue))
            let counts = try #require(ended["request_counts"])
            let expired = Int(counts["expired"]?.numberValue ?? -1)
            #expect(expired >= 1 && expired < 80)
            #expect(Int(counts["succeeded"]?.numberValue ?? -1) + expired == 80)
            let results = try await api.messageBatchResults(try #require(created["id"]?.stringValue))
            #expect(results.filter { $0["result"] == ["type": "expired"] }.count == expired)
        }
    }

    @Test("list: newest first, default limit 20, after_id and before_id pages, limit bounds")
    func list() async throws {
        try await withEmulator { api in
            var created: [String] = []
            for i in 1...5 {
                created.append(try #require(try await api.createMessageBatch([batchRequest("r", messageParams("b\(i)"))])["id"]?.stringValue))
            }
            let newest = Array(created.reversed())
            func page(_ query: String) async throws -> JSONValue {
                let response = try await api.anthropic(.get, "/v1/messages/batches" + query)
                try #require(response.status == 200)
                let json = try #require(response.json)
                #expect(json.objectValue?.keys == ["data", "has_more", "first_id", "last_id"])
                return json
            }
            func ids(_ page: JSONValue) -> [String] { page["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? [] }
            let all = try await page("")
            #expect(ids(all) == newest && all["has_more"] == false)
            let first = try await page("?limit=2")
            #expect(ids(first) == Array(newest[0..<2]) && first["has_more"] == true)
            #expect(first["first_id"] == .string(newest[0]) && first["last_id"] == .string(newest[1]))
            let second = try await page("?limit=2&after_id=\(newest[1])")
            #expect(ids(second) == Array(newest[2..<4]) && second["has_more"] == true)
            let third = try await page("?limit=2&after_id=\(newest[3])")
            #expect(ids(third) == [newest[4]] && third["has_more"] == false)
            let back = try await page("?limit=2&before_id=\(newest[2])")
            #expect(ids(back) == Array(newest[0..<2]) && back["has_more"] == false)
            let backOne = try await page("?limit=1&before_id=\(newest[2])")
            #expect(ids(backOne) == [newest[1]] && backOne["has_more"] == true)
            for (query, message) in [
                ("?limit=0", "limit: Input should be greater than or equal to 1"),
                ("?limit=1001", "limit: Input should be less than or equal to 1000"),
            ] {
                let response = try await api.anthropic(.get, "/v1/messages/batches" + query)
                #expect(response.status == 400)
                #expect(anthropicError(response) == ["type": "invalid_request_error", "message": .string(message)])
            }
            #expect(try await page("?limit=1000")["data"]?.arrayValue?.count == 5)
        }
    }

    @Test("delete only once ended; results before the end are a 400; unknown ids are 404 not_found_error")
    func deleteAndResultsRules() async throws {
        try await withEmulator(timing: slow) { api in
            let id = try #require(try await api.createMessageBatch((1...40).map { batchRequest("r\($0)", messageParams("t")) })["id"]?.stringValue)
            let early = try await api.anthropic(.get, "/v1/messages/batches/\(id)/results")
            #expect(early.status == 400)
            #expect(anthropicError(early)?["message"] == .string(
                "Message Batch \(id) has not finished processing (processing_status 'in_progress'); its results are "
                    + "available once it has ended."))
            let refused = try await api.anthropic(.delete, "/v1/messages/batches/\(id)")
            #expect(refused.status == 400)
            #expect(anthropicError(refused)?["type"] == "invalid_request_error")
            #expect(anthropicError(refused)?["message"]?.stringValue?.contains("Cancel it") == true)
            _ = try await api.anthropic(.post, "/v1/messages/batches/\(id)/cancel")
            _ = try await api.waitForMessageBatch(id)
            let deleted = try await api.anthropic(.delete, "/v1/messages/batches/\(id)")
            #expect(deleted.status == 200)
            #expect(deleted.json == ["id": .string(id), "type": "message_batch_deleted"])
            for (verb, path) in [
                (Verb.get, "/v1/messages/batches/\(id)"), (.get, "/v1/messages/batches/\(id)/results"),
                (.delete, "/v1/messages/batches/\(id)"), (.post, "/v1/messages/batches/\(id)/cancel"),
            ] {
                let response = try await api.anthropic(verb, path)
                #expect(response.status == 404)
                #expect(anthropicError(response) == ["type": "not_found_error", "message": .string("No Message Batch found with id '\(id)'.")])
            }
            #expect(try await api.anthropic(.get, "/v1/messages/batches").json?["data"] == [])
        }
    }

    @Test("a new emulator on the same state directory serves ended batches and finishes a running one")
    func restart() async throws {
        try await withTemporaryDirectory { dir in
            let (done, running, bytes) = try await withEmulator(stateDirectory: dir, timing: slow) { api in
                let done = try #require(try await api.createMessageBatch([batchRequest("only", messageParams("x"))])["id"]?.stringValue)
                _ = try await api.waitForMessageBatch(done)
                let bytes = try await api.messageBatchResultBytes(done)
                let running = try #require(
                    try await api.createMessageBatch((1...40).map { batchRequest("r\($0)", messageParams("t\($0)")) })["id"]?.stringValue)
                return (done, running, bytes)
            }
            try await withEmulator(stateDirectory: dir, timing: instant) { api in
                #expect(try await api.messageBatchResultBytes(done) == bytes)
                let ended = try await api.waitForMessageBatch(running)
                #expect(ended["request_counts"] == ["processing": 0, "succeeded": 40, "errored": 0, "canceled": 0, "expired": 0])
                let results = try await api.messageBatchResults(running)
                #expect(Set(results.compactMap { $0["custom_id"]?.stringValue }) == Set((1...40).map { "r\($0)" }))
                let listed = try await api.anthropic(.get, "/v1/messages/batches").json?["data"]?.arrayValue
                #expect(listed?.compactMap { $0["id"]?.stringValue } == [running, done])
                let stats = try #require(try await api.call(.get, "/_emulator/stats").json)
                #expect(stats["anthropic_batches_created"] == 2 && stats["anthropic_requests_received"] == 41)
            }
        }
    }

    @Test("stats count Anthropic batches and requests, inside the totals too; reset zeroes them")
    func stats() async throws {
        try await withEmulator { api in
            let fileID = try await api.uploadLines((1...3).map { chatLine("r\($0)", "x", schema: nil) })
            let openAI = try #require(try await api.createBatch(fileID: fileID)["id"]?.stringValue)
            _ = try await api.waitForBatch(openAI, until: ["completed"])
            let id = try #require(try await api.createMessageBatch((1...4).map { batchRequest("r\($0)", messageParams("x")) })["id"]?.stringValue)
            _ = try await api.createMessageBatch([batchRequest("a", messageParams("y"))])
            _ = try await api.anthropic(.post, "/v1/messages", json: .object(messageParams("realtime")))
            _ = try await api.waitForMessageBatch(id)
            let stats = try #require(try await api.call(.get, "/_emulator/stats").json)
            #expect(stats["batches_created"] == 3 && stats["requests_received"] == 8)
            #expect(stats["anthropic_batches_created"] == 2 && stats["anthropic_requests_received"] == 5)
            #expect(stats["anthropic_messages_received"] == 1 && stats["files_uploaded"] == 1)
            let reset = try #require(try await api.call(.post, "/_emulator/reset").json)
            for key in ["batches_created", "requests_received", "anthropic_batches_created", "anthropic_requests_received", "anthropic_messages_received"] {
                #expect(reset[key] == 0)
            }
        }
    }
}
