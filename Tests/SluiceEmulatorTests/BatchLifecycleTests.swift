import Foundation
import SluiceJSON
import Testing

@testable import SluiceEmulator

@Suite("Batch lifecycle")
struct BatchLifecycleTests {
    @Test("upload, create, poll to completed; output lines are real chat completions conforming to the schema")
    func completes() async throws {
        try await withEmulator { api in
            let lines = (1...20).map { chatLine("row-\($0)", "Ticket number \($0): my parcel is late") }
            let fileID = try await api.uploadLines(lines)
            let created = try await api.createBatch(fileID: fileID)
            #expect(created["status"] == "validating")
            #expect(created["object"] == "batch")
            #expect(created["request_counts"] == ["total": 0, "completed": 0, "failed": 0])
            #expect(created["errors"] == .null)
            #expect(created["output_file_id"] == .null)
            let id = try #require(created["id"]?.stringValue)
            #expect(id.hasPrefix("batch_") && id.count == 38)

            let batch = try await api.waitForBatch(id, until: ["completed", "failed"])
            #expect(batch["status"] == "completed")
            #expect(batch["request_counts"] == ["total": 20, "completed": 20, "failed": 0])
            #expect(batch["error_file_id"] == .null)
            #expect(batch["model"] == "gpt-4o-mini")
            let createdAt = try #require(batch["created_at"]?.numberValue)
            #expect(batch["expires_at"]?.numberValue == createdAt + 86_400)
            for key in ["in_progress_at", "finalizing_at", "completed_at"] {
                #expect(batch[key]?.numberValue != nil, "\(key) missing")
            }
            for key in ["failed_at", "expired_at", "cancelling_at", "cancelled_at"] {
                #expect(batch[key] == .null, "\(key) set")
            }
            let usage = try #require(batch["usage"])
            #expect((usage["input_tokens"]?.numberValue ?? 0) > 0)
            #expect(
                usage["total_tokens"]?.numberValue
                    == (usage["input_tokens"]?.numberValue ?? 0) + (usage["output_tokens"]?.numberValue ?? 0))

            let outputID = try #require(batch["output_file_id"]?.stringValue)
            let file = try #require(try await api.call(.get, "/v1/files/\(outputID)").json)
            #expect(file["purpose"] == "batch_output")
            #expect(file["object"] == "file")
            let output = try await api.lines(outputID)
            #expect(output.count == 20)
            #expect(file["bytes"]?.numberValue == Double(try await api.content(outputID).count))
            var seen = Set<String>()
            for line in output {
                let lineID = try #require(line["id"]?.stringValue)
                #expect(lineID.hasPrefix("batch_req_") && lineID.count == 42)
                #expect(line["error"] == .null)
                let response = try #require(line["response"])
                #expect(response["status_code"] == 200)
                #expect(response["request_id"]?.stringValue?.isEmpty == false)
                let body = try #require(response["body"])
                #expect(body["object"] == "chat.completion")
                #expect(body["model"] == "gpt-4o-mini")
                #expect(body["choices"]?.arrayValue?.first?["finish_reason"] == "stop")
                let content = try #require(body["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue)
                let value = try JSONParser.parse(content)
                #expect(ticketProblems(value) == [], "\(content)")
                let usage = try #require(body["usage"])
                #expect(
                    usage["total_tokens"]?.numberValue
                        == (usage["prompt_tokens"]?.numberValue ?? -1) + (usage["completion_tokens"]?.numberValue ?? -1))
                seen.insert(try #require(line["custom_id"]?.stringValue))
            }
            #expect(seen == Set((1...20).map { "row-\($0)" }))
        }
    }

    @Test("output lines come back in a shuffled order")
    func shuffled() async throws {
        try await withEmulator { api in
            let ids = (1...60).map { "row-\($0)" }
            let fileID = try await api.uploadLines(ids.map { chatLine($0, "hello \($0)", schema: nil) })
            let batch = try await api.waitForBatch(
                try #require(try await api.createBatch(fileID: fileID)["id"]?.stringValue), until: ["completed"])
            let output = try await api.lines(try #require(batch["output_file_id"]?.stringValue))
            let order = output.compactMap { $0["custom_id"]?.stringValue }
            #expect(Set(order) == Set(ids))
            #expect(order.count == 60)
            #expect(order != ids)
        }
    }
}
