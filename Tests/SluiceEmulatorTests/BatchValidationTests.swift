import Foundation
import SluiceJSON
import Testing

@testable import SluiceEmulator

@Suite("Batch validation")
struct BatchValidationTests {
    /// `(code, line, param)` of each entry in `errors.data`.
    func errorTriples(_ batch: JSONValue) -> [String] {
        (batch["errors"]?["data"]?.arrayValue ?? []).map {
            "\($0["code"]?.stringValue ?? "?") line=\($0["line"]?.numberValue.map { String(Int($0)) } ?? "null") "
                + "param=\($0["param"]?.stringValue ?? "null")"
        }
    }

    @Test("a file with bad lines fails with every line error, 1-based line numbers, counts 0")
    func reportsAllLineErrors() async throws {
        try await withEmulator { api in
            var content = jsonl([chatLine("r1", "fine")])
            content += Array("{\"custom_id\": \"r2\", this is not json\n".utf8)
            var noID = chatLine("x", "no id").objectValue!
            noID["custom_id"] = nil
            content += jsonl([.object(noID)])
            content += jsonl([chatLine("r1", "duplicate id")])
            var wrongURL = chatLine("r5", "wrong url").objectValue!
            wrongURL["url"] = "/v1/embeddings"
            content += jsonl([.object(wrongURL)])
            content += jsonl([chatLine("r6", "streams", extra: [("stream", true)])])
            content += jsonl([chatLine("r7", "other model", model: "gpt-4o")])
            let upload = try await api.upload(content)
            let fileID = try #require(upload.json?["id"]?.stringValue)
            let id = try #require(try await api.createBatch(fileID: fileID)["id"]?.stringValue)
            let batch = try await api.waitForBatch(id, until: ["failed", "completed"])
            #expect(batch["status"] == "failed")
            #expect(
                errorTriples(batch) == [
                    "invalid_json_line line=2 param=null",
                    "missing_required_parameter line=3 param=custom_id",
                    "duplicate_custom_id line=4 param=custom_id",
                    "invalid_url line=5 param=url",
                    "streaming_unsupported line=6 param=body.stream",
                    "mismatched_model line=7 param=body.model",
                ])
            let data = try #require(batch["errors"]?["data"]?.arrayValue)
            #expect(batch["errors"]?["object"] == "list")
            #expect(data[0]["message"] == "This line is not parseable as valid JSON.")
            #expect(data[1]["message"] == "Missing required parameter: 'custom_id'.")
            #expect(data[3]["message"] == "The URL provided for this request does not match the batch endpoint.")
            #expect(data[4]["message"] == "Chat Completions: Streaming is not supported in the Batch API.")
            #expect(batch["request_counts"] == ["total": 0, "completed": 0, "failed": 0])
            #expect(batch["failed_at"]?.numberValue != nil)
            #expect(batch["in_progress_at"] == .null)
            #expect(batch["output_file_id"] == .null && batch["error_file_id"] == .null)
        }
    }

    @Test("an empty input file fails with empty_file")
    func emptyFile() async throws {
        try await withEmulator { api in
            let fileID = try #require(try await api.upload(Array("\n\n".utf8)).json?["id"]?.stringValue)
            let id = try #require(try await api.createBatch(fileID: fileID)["id"]?.stringValue)
            let batch = try await api.waitForBatch(id, until: ["failed", "completed"])
            #expect(errorTriples(batch) == ["empty_file line=null param=null"])
        }
    }

    @Test("more lines than the per-batch limit fail with too_many_tasks")
    func tooManyTasks() async throws {
        try await withEmulator(limits: EmulatorLimits(maxRequestsPerBatch: 3)) { api in
            let fileID = try await api.uploadLines((1...4).map { chatLine("r\($0)", "x", schema: nil) })
            let id = try #require(try await api.createBatch(fileID: fileID)["id"]?.stringValue)
            let batch = try await api.waitForBatch(id, until: ["failed", "completed"])
            #expect(errorTriples(batch) == ["too_many_tasks line=null param=null"])
        }
    }

    @Test("an unknown input file creates the batch, which then fails with invalid_request on file_id")
    func unknownInputFile() async throws {
        try await withEmulator { api in
            let created = try await api.createBatch(fileID: "file-doesnotexist")
            #expect(created["status"] == "validating")
            let batch = try await api.waitForBatch(try #require(created["id"]?.stringValue), until: ["failed"])
            #expect(errorTriples(batch) == ["invalid_request line=null param=file_id"])
            let message = batch["errors"]?["data"]?.arrayValue?.first?["message"]?.stringValue ?? ""
            #expect(message.hasPrefix("Cannot find file file-doesnotexist, or organization "))
        }
    }

    @Test("request errors inside a valid line go to the error file as HTTP errors; the batch completes")
    func perLineErrors() async throws {
        try await withEmulator { api in
            var noMessages = chatLine("no-messages", "x").objectValue!
            var body = noMessages["body"]!.objectValue!
            body["messages"] = nil
            noMessages["body"] = .object(body)
            var noModel = chatLine("no-model", "x").objectValue!
            var body2 = noModel["body"]!.objectValue!
            body2["model"] = nil
            noModel["body"] = .object(body2)
            let lines: [JSONValue] = [
                chatLine("ok", "fine"),
                chatLine("fail", "please __sluice_fail__ now"),
                .object(noMessages),
                .object(noModel),
                chatLine("no-schema", "x", extra: [("response_format", ["type": "json_schema", "json_schema": ["name": "t"]])]),
                chatLine("loose", "x", schema: ["type": "object", "properties": ["a": ["type": "string"]]]),
            ]
            let fileID = try await api.uploadLines(lines)
            let id = try #require(try await api.createBatch(fileID: fileID)["id"]?.stringValue)
            let batch = try await api.waitForBatch(id, until: ["completed", "failed"])
            #expect(batch["status"] == "completed")
            #expect(batch["request_counts"] == ["total": 6, "completed": 1, "failed": 5])
            let errors = try await api.lines(try #require(batch["error_file_id"]?.stringValue))
            var byID: [String: JSONValue] = [:]
            for line in errors {
                #expect(line["error"] == .null)
                byID[line["custom_id"]?.stringValue ?? ""] = line["response"]
            }
            #expect(byID["fail"]?["status_code"] == 500)
            #expect(byID["fail"]?["body"]?["error"]?["type"] == "server_error")
            #expect(
                byID["no-messages"]?["body"] == [
                    "error": [
                        "message": "Missing required parameter: 'messages'.", "type": "invalid_request_error",
                        "param": "messages", "code": "missing_required_parameter",
                    ]
                ])
            #expect(byID["no-model"]?["status_code"] == 400)
            #expect(byID["no-model"]?["body"]?["error"]?["message"] == "you must provide a model parameter")
            #expect(byID["no-schema"]?["body"]?["error"]?["param"] == "response_format.json_schema.schema")
            #expect(byID["loose"]?["status_code"] == 400)
            let looseMessage =
                "Invalid schema for response_format 'ticket': In context=(), 'additionalProperties' is "
                + "required to be supplied and to be false."
            #expect(byID["loose"]?["body"]?["error"]?["message"] == .string(looseMessage))
        }
    }

    @Test("a model named unknown-* fails every line with 404 model_not_found in the error file")
    func unknownModel() async throws {
        try await withEmulator { api in
            let fileID = try await api.uploadLines([chatLine("m1", "x", model: "unknown-model-xyz")])
            let id = try #require(try await api.createBatch(fileID: fileID)["id"]?.stringValue)
            let batch = try await api.waitForBatch(id, until: ["completed", "failed"])
            #expect(batch["status"] == "completed")
            #expect(batch["output_file_id"] == .null)
            #expect(batch["request_counts"] == ["total": 1, "completed": 0, "failed": 1])
            let errorFileID = try #require(batch["error_file_id"]?.stringValue)
            let line = try #require(try await api.lines(errorFileID).first)
            #expect(line["response"]?["status_code"] == 404)
            #expect(
                line["response"]?["body"] == [
                    "error": [
                        "message": "The model `unknown-model-xyz` does not exist or you do not have access to it.",
                        "type": "invalid_request_error", "param": nil, "code": "model_not_found",
                    ]
                ])
        }
    }

    @Test("fault triggers: __sluice_invalid__ breaks the schema, __sluice_notjson__ is not JSON")
    func contentTriggers() async throws {
        try await withEmulator { api in
            let fileID = try await api.uploadLines([
                chatLine("invalid", "make it __sluice_invalid__ please"),
                chatLine("notjson", "__sluice_notjson__"),
            ])
            let id = try #require(try await api.createBatch(fileID: fileID)["id"]?.stringValue)
            let batch = try await api.waitForBatch(id, until: ["completed"])
            #expect(batch["request_counts"] == ["total": 2, "completed": 2, "failed": 0])
            var contents: [String: String] = [:]
            for line in try await api.lines(try #require(batch["output_file_id"]?.stringValue)) {
                contents[line["custom_id"]?.stringValue ?? ""] =
                    line["response"]?["body"]?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue
            }
            let invalid = try JSONParser.parse(try #require(contents["invalid"]))
            #expect(invalid["category"] == "__not_in_enum__")
            #expect(ticketProblems(invalid) == ["category"])
            #expect((try? JSONParser.parse(try #require(contents["notjson"]))) == nil)
        }
    }
}
