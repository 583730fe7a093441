import HTTPTypes
import SluiceJSON
import Testing

@testable import SluiceEmulator

@Suite("Batch faults: expire, fail_validation, stuck, queue_full in both protocols")
struct BatchFaultTests {
    @Test("OpenAI expire=1: expired with the first half's output and the rest batch_expired, counts consistent")
    func openAIExpire() async throws {
        try await withFaultyEmulator("expire=1") { api in
            let run = try await api.runBatch(ticketLines(10))
            #expect(run.batch["status"] == "expired")
            #expect(run.batch["expired_at"]?.numberValue != nil)
            #expect(run.batch["request_counts"] == ["total": 10, "completed": 5, "failed": 5])
            #expect(Set(run.output.compactMap { $0["custom_id"]?.stringValue }) == Set((1...5).map { "r\($0)" }))
            #expect(Set(run.errors.compactMap { $0["custom_id"]?.stringValue }) == Set((6...10).map { "r\($0)" }))
            for line in run.output { #expect(ticketProblems(try JSONParser.parse(chatContent(line) ?? "")).isEmpty) }
            for line in run.errors {
                #expect(line["response"] == .null)
                #expect(line["error"]?["code"] == "batch_expired")
            }
            #expect(try await api.injected(.expire) == 1)
        }
    }

    @Test("OpenAI fail_validation=1: failed naming one line, nothing processed, no custom_ids received")
    func openAIFailValidation() async throws {
        try await withFaultyEmulator("fail_validation=1") { api in
            let run = try await api.runBatch(ticketLines(8))
            #expect(run.batch["status"] == "failed")
            #expect(run.batch["failed_at"]?.numberValue != nil)
            #expect(run.batch["request_counts"] == ["total": 0, "completed": 0, "failed": 0])
            let errors = try #require(run.batch["errors"]?["data"]?.arrayValue)
            #expect(errors.count == 1)
            let line = try #require(errors[0]["line"]?.numberValue)
            #expect((1...8).contains(Int(line)))
            #expect(errors[0]["code"] == "invalid_request")
            #expect(errors[0]["param"] == .null)
            #expect(errors[0]["message"]?.stringValue?.hasPrefix("Line \(Int(line)) failed validation") == true)
            #expect(run.batch["output_file_id"] == .null && run.batch["error_file_id"] == .null)
            let stats = try await api.stats()
            #expect(stats["custom_ids"] == ["received": 0, "distinct": 0, "received_more_than_once": 0])
            #expect(stats["requests_received"] == 8)
        }
    }

    @Test("OpenAI queue_full=1: failed with token_limit_exceeded in the real words")
    func openAIQueueFull() async throws {
        try await withFaultyEmulator("queue_full=1") { api in
            let run = try await api.runBatch(ticketLines(3))
            #expect(run.batch["status"] == "failed")
            #expect(
                run.batch["errors"] == [
                    "object": "list",
                    "data": [
                        [
                            "code": "token_limit_exceeded", "line": nil,
                            "message": .string(
                                "Enqueued token limit reached for gpt-4o-mini in organization "
                                    + "org-sluice-emulator. Limit: 2,000,000 enqueued tokens. Please try submitting "
                                    + "an equivalent batch again later."),
                            "param": nil,
                        ]
                    ],
                ])
            #expect(try await api.injected(.queueFull) == 1)
        }
    }

    @Test("a file with real errors fails with them, not with the drawn batch fault")
    func realErrorsWin() async throws {
        try await withFaultyEmulator("queue_full=1") { api in
            let run = try await api.runBatch([chatLine("a", "x"), chatLine("a", "y")])
            #expect(run.batch["errors"]?["data"]?[0]?["code"] == "duplicate_custom_id")
            #expect(try await api.injected(.queueFull) == 0)
        }
    }

    @Test("OpenAI stuck=1: half processed, stays in_progress, ends only on cancel, cancelled with that half")
    func openAIStuck() async throws {
        try await withFaultyEmulator("stuck=1") { api in
            let file = try await api.uploadLines(ticketLines(10))
            let id = try #require(try await api.createBatch(fileID: file)["id"]?.stringValue)
            var batch: JSONValue = nil
            for _ in 0..<3_000 {
                batch = try #require(try await api.call(.get, "/v1/batches/\(id)").json)
                if batch["request_counts"]?["completed"] == 5 { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(batch["request_counts"] == ["total": 10, "completed": 5, "failed": 0])
            // Half done long ago (no pacing), and still running: ten more looks change nothing.
            for _ in 0..<10 {
                let again = try #require(try await api.call(.get, "/v1/batches/\(id)").json)
                #expect(again["status"] == "in_progress")
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try await api.call(.post, "/v1/batches/\(id)/cancel").json?["status"] == "cancelling")
            let ended = try await api.waitForBatch(id, until: ["cancelled", "completed", "expired", "failed"])
            #expect(ended["status"] == "cancelled")
            #expect(ended["request_counts"] == ["total": 10, "completed": 5, "failed": 0])
            let output = try await api.lines(try #require(ended["output_file_id"]?.stringValue))
            #expect(Set(output.compactMap { $0["custom_id"]?.stringValue }) == Set((1...5).map { "r\($0)" }))
            #expect(try await api.injected(.stuck) == 1)
        }
    }

    @Test("Anthropic expire=1: ended, first half succeeded, the rest expired")
    func anthropicExpire() async throws {
        try await withFaultyEmulator("expire=1") { api in
            let run = try await api.runMessageBatch(ticketRequests(10))
            #expect(
                run.batch["request_counts"] == [
                    "processing": 0, "succeeded": 5, "errored": 0, "canceled": 0, "expired": 5,
                ])
            for i in 1...10 {
                #expect(run.results["r\(i)"]?["type"] == (i <= 5 ? "succeeded" : "expired"), "r\(i)")
            }
        }
    }

    @Test("Anthropic fail_validation=1: every request errored invalid_request_error")
    func anthropicFailValidation() async throws {
        try await withFaultyEmulator("fail_validation=1") { api in
            let run = try await api.runMessageBatch(ticketRequests(4))
            #expect(run.batch["request_counts"]?["errored"] == 4)
            #expect(run.results.count == 4)
            for (id, result) in run.results {
                #expect(result["type"] == "errored")
                #expect(result["error"]?["error"]?["type"] == "invalid_request_error", "\(id)")
            }
            #expect(try await api.injected(.failValidation) == 1)
        }
    }

    @Test("Anthropic stuck=1: in_progress until cancelled, then ended with a prefix succeeded and the rest canceled")
    func anthropicStuck() async throws {
        try await withFaultyEmulator("stuck=1") { api in
            let id = try #require(try await api.createMessageBatch(ticketRequests(10))["id"]?.stringValue)
            for _ in 0..<10 {
                let batch = try #require(try await api.anthropic(.get, "/v1/messages/batches/\(id)").json)
                #expect(batch["processing_status"] == "in_progress")
                try await Task.sleep(for: .milliseconds(20))
            }
            _ = try await api.anthropic(.post, "/v1/messages/batches/\(id)/cancel")
            let batch = try await api.waitForMessageBatch(id)
            let counts = try #require(batch["request_counts"])
            let succeeded = Int(try #require(counts["succeeded"]?.numberValue))
            #expect(succeeded <= 5)
            #expect(counts["canceled"] == .int(10 - succeeded))
            #expect(counts["errored"] == 0 && counts["expired"] == 0)
            let results = try await api.messageBatchResults(id)
            let ok = Set(results.filter { $0["result"]?["type"] == "succeeded" }.compactMap { $0["custom_id"]?.stringValue })
            #expect(ok == Set((0..<succeeded).map { "r\($0 + 1)" }))
        }
    }

    @Test("Anthropic queue_full=1: 429 rate_limit_error at create with retry-after, and no batch")
    func anthropicQueueFull() async throws {
        try await withFaultyEmulator("queue_full=1") { api in
            let response = try await api.anthropic(
                .post, "/v1/messages/batches", json: ["requests": .array(ticketRequests(3))])
            #expect(response.status == 429)
            let error = try #require(anthropicError(response))
            #expect(error["type"] == "rate_limit_error")
            #expect(error["message"]?.stringValue?.contains("processing queue") == true)
            #expect(response.headers[.init("retry-after")!] == "0.5")
            #expect(try await api.anthropic(.get, "/v1/messages/batches").json?["data"] == [])
            let stats = try await api.stats()
            #expect(stats["anthropic_batches_created"] == 0)
            #expect(stats["custom_ids"]?["received"] == 0)
            #expect(stats["faults_injected"]?["queue_full"] == 1)
        }
    }
}
