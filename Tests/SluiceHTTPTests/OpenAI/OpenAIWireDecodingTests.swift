import Foundation
import Testing

#if canImport(OpenAIWire)
import OpenAIWire
#else
import SluiceProviders
#endif

@Suite("OpenAI wire types")
struct OpenAIWireDecodingTests {
    func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(json.utf8))
    }

    @Test("The reference batch example decodes field by field; \"\" error_file_id reads as nil")
    func fullBatch() throws {
        let batch = try decode(OpenAIBatch.self, OpenAIStubRoutes.completedBatch)
        #expect(batch.id == "batch_done")
        #expect(batch.object == "batch")
        #expect(batch.endpoint == "/v1/completions")
        #expect(batch.model == "gpt-5-2025-08-07")
        #expect(batch.errors == nil)
        #expect(batch.inputFileID == "file-abc123")
        #expect(batch.completionWindow == "24h")
        #expect(batch.status == .completed)
        #expect(batch.status.isTerminal)
        #expect(batch.outputFileID == "file-cvaTdG")
        #expect(batch.errorFileID == nil)
        #expect(batch.createdAt == 1_711_471_533)
        #expect(batch.inProgressAt == 1_711_471_538)
        #expect(batch.expiresAt == 1_711_557_933)
        #expect(batch.finalizingAt == 1_711_493_133)
        #expect(batch.completedAt == 1_711_493_163)
        #expect(
            batch.failedAt == nil && batch.expiredAt == nil && batch.cancellingAt == nil && batch.cancelledAt == nil
        )
        #expect(batch.requestCounts == OpenAIBatchRequestCounts(total: 100, completed: 95, failed: 5))
        #expect(batch.usage?.inputTokens == 1500)
        #expect(batch.usage?.inputTokensDetails?.cachedTokens == 1024)
        #expect(batch.usage?.outputTokens == 500)
        #expect(batch.usage?.outputTokensDetails?.reasoningTokens == 300)
        #expect(batch.usage?.totalTokens == 2000)
        #expect(batch.metadata == ["customer_id": "user_123456789", "batch_description": "Nightly eval job"])
    }

    @Test("Only the required fields are needed; unknown statuses survive")
    func minimalBatch() throws {
        let json = #"""
            {"id":"b","object":"batch","endpoint":"/v1/embeddings","input_file_id":"f","completion_window":"24h",
             "status":"paused_for_maintenance","created_at":1}
            """#
        let batch = try decode(OpenAIBatch.self, json)
        #expect(batch.status == .unknown("paused_for_maintenance"))
        #expect(!batch.status.isTerminal)
        #expect(batch.requestCounts == nil && batch.usage == nil && batch.metadata == nil && batch.model == nil)
    }

    @Test("A failed batch carries every validation error with line and param")
    func failedBatch() throws {
        let json = #"""
            {"id":"b","object":"batch","endpoint":"/v1/chat/completions","input_file_id":"f","completion_window":"24h",
             "status":"failed","created_at":1,"failed_at":2,"output_file_id":"","error_file_id":null,
             "errors":{"object":"list","data":[
               {"code":"invalid_json_line","message":"This line is not parseable as valid JSON.","param":null,"line":2},
               {"code":"invalid_request","message":"Cannot find file f.","param":"file_id","line":null}]}}
            """#
        let batch = try decode(OpenAIBatch.self, json)
        #expect(batch.status == .failed)
        #expect(batch.outputFileID == nil)
        #expect(
            batch.errors?.data == [
                OpenAIBatchErrorEntry(
                    code: "invalid_json_line",
                    message: "This line is not parseable as valid JSON.",
                    line: 2
                ),
                OpenAIBatchErrorEntry(code: "invalid_request", message: "Cannot find file f.", param: "file_id"),
            ]
        )
    }

    @Test(
        "Every status string maps both ways",
        arguments: [
            "validating", "failed", "in_progress", "finalizing", "completed", "expired", "cancelling", "cancelled",
        ]
    )
    func statuses(raw: String) throws {
        let status = OpenAIBatchStatus(rawValue: raw)
        #expect(status.rawValue == raw)
        #expect(status != .unknown(raw))
        let encoded = try JSONEncoder().encode([status])
        #expect(String(decoding: encoded, as: UTF8.self) == "[\"\(raw)\"]")
    }

    @Test("File objects, deletions, lists and error envelopes decode")
    func otherTypes() throws {
        let file = try decode(
            OpenAIFileObject.self,
            #"""
            {"id":"file-abc123","object":"file","bytes":120000,"created_at":1677610602,"expires_at":1677614202,
             "filename":"mydata.jsonl","purpose":"batch","status":"processed","status_details":null}
            """#
        )
        #expect(
            file
                == OpenAIFileObject(
                    id: "file-abc123",
                    bytes: 120_000,
                    createdAt: 1_677_610_602,
                    expiresAt: 1_677_614_202,
                    filename: "mydata.jsonl",
                    purpose: "batch",
                    status: "processed"
                )
        )
        let deletion = try decode(OpenAIFileDeletion.self, #"{"id":"file-abc123","object":"file","deleted":true}"#)
        #expect(deletion.deleted)
        let list = try decode(
            OpenAIList<OpenAIFileObject>.self,
            #"""
            {"object":"list","data":[],"first_id":null,"last_id":null,"has_more":false}
            """#
        )
        #expect(list.data.isEmpty && !list.hasMore && list.firstID == nil)
        let envelope = try decode(
            OpenAIErrorEnvelope.self,
            OpenAIStubRoutes.envelope(
                "Invalid value",
                param: "endpoint",
                code: "invalid_value"
            )
        )
        #expect(
            envelope.error
                == OpenAIErrorDetail(
                    message: "Invalid value",
                    type: "invalid_request_error",
                    param: "endpoint",
                    code: "invalid_value"
                )
        )
        let nulls = try decode(OpenAIErrorEnvelope.self, OpenAIStubRoutes.envelope("File is too large."))
        #expect(nulls.error.param == nil && nulls.error.code == nil)
    }

    @Test("Status codes map to stable error codes")
    func statusCodes() {
        let expected: [(Int, String)] = [
            (400, "openai.bad_request"), (401, "openai.authentication"), (403, "openai.permission"),
            (404, "openai.not_found"), (409, "openai.conflict"), (422, "openai.unprocessable"),
            (429, "openai.rate_limited"), (500, "openai.server"), (503, "openai.server"),
            (408, "openai.unexpected_status"), (302, "openai.unexpected_status"),
        ]
        for (status, code) in expected {
            #expect(OpenAIAPIError.code(forStatus: status).rawValue == code, "\(status)")
        }
    }
}
