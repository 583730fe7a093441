import SluiceJSON
import Testing

@testable import SluiceEmulator

@Suite("Line faults: each kind alone, both protocols")
struct LineFaultTests {
    /// The content the model gives a line's body without faults (ids and `created` do not change it).
    static func plainContent(_ line: JSONValue) -> String {
        var ids = SplitMix64(seed: 1)
        let answer = DeterministicModel(seed: 7).answer(
            endpoint: "/v1/chat/completions", body: line["body"]!.objectValue!, created: 0, ids: &ids)
        guard case .success(let body, _, _) = answer else { return "" }
        return body["choices"]?[0]?["message"]?["content"]?.stringValue ?? ""
    }

    @Test("OpenAI line_error=1: every line a 500 server_error in the error file, counts {6, 0, 6}")
    func openAILineError() async throws {
        try await withFaultyEmulator("line_error=1") { api in
            let run = try await api.runBatch(ticketLines(6))
            #expect(run.batch["status"] == "completed")
            #expect(run.batch["request_counts"] == ["total": 6, "completed": 0, "failed": 6])
            #expect(run.batch["output_file_id"] == .null)
            #expect(run.output.isEmpty)
            #expect(Set(run.errors.compactMap { $0["custom_id"]?.stringValue }) == Set((1...6).map { "r\($0)" }))
            for line in run.errors {
                #expect(line["response"]?["status_code"] == 500)
                #expect(line["response"]?["body"] == DeterministicModel.serverError.envelope)
                #expect(line["error"] == .null)
            }
            #expect(try await api.injected(.lineError) == 6)
        }
    }

    @Test("OpenAI schema_invalid=1 and not_json=1: every output breaks the schema / is not JSON")
    func openAIContentFaults() async throws {
        try await withFaultyEmulator("schema_invalid=1") { api in
            let run = try await api.runBatch(ticketLines(5))
            #expect(run.batch["request_counts"] == ["total": 5, "completed": 5, "failed": 0])
            #expect(run.output.count == 5)
            for line in run.output {
                let value = try JSONParser.parse(try #require(chatContent(line)))
                #expect(!ticketProblems(value).isEmpty, "\(value) conforms")
            }
            #expect(try await api.injected(.schemaInvalid) == 5)
        }
        try await withFaultyEmulator("not_json=1") { api in
            let run = try await api.runBatch(ticketLines(5))
            #expect(run.output.map(chatContent) == Array(repeating: DeterministicModel.notJSONContent, count: 5))
            #expect(try await api.injected(.notJSON) == 5)
        }
    }

    @Test("OpenAI truncated=1: finish_reason length, the content is the first half of the normal answer")
    func openAITruncated() async throws {
        let lines = ticketLines(4)
        try await withFaultyEmulator("truncated=1") { api in
            let run = try await api.runBatch(lines)
            #expect(run.output.count == 4)
            for line in run.output {
                let id = try #require(line["custom_id"]?.stringValue)
                let input = try #require(lines.first { $0["custom_id"]?.stringValue == id })
                let choice = try #require(line["response"]?["body"]?["choices"]?[0])
                #expect(choice["finish_reason"] == "length")
                let full = Self.plainContent(input)
                #expect(choice["message"]?["content"]?.stringValue == DeterministicModel.cutInHalf(full))
                #expect((try? JSONParser.parse(choice["message"]?["content"]?.stringValue ?? "")) == nil)
            }
        }
    }

    @Test("OpenAI missing_line=1: the batch completes, counts every line completed, and has no result file")
    func openAIMissingLine() async throws {
        try await withFaultyEmulator("missing_line=1") { api in
            let run = try await api.runBatch(ticketLines(5))
            #expect(run.batch["status"] == "completed")
            #expect(run.batch["request_counts"] == ["total": 5, "completed": 5, "failed": 0])
            #expect(run.batch["output_file_id"] == .null)
            #expect(run.batch["error_file_id"] == .null)
            #expect(try await api.injected(.missingLine) == 5)
        }
    }

    @Test("__sluice_truncate__ and __sluice_drop_line__ do the same to one line, without --faults")
    func triggers() async throws {
        try await withEmulator { api in
            let lines = [
                chatLine("cut", "__sluice_truncate__ please"), chatLine("gone", "__sluice_drop_line__ please"),
                chatLine("fine", "a normal ticket"),
            ]
            let run = try await api.runBatch(lines)
            #expect(run.batch["request_counts"] == ["total": 3, "completed": 3, "failed": 0])
            #expect(Set(run.output.compactMap { $0["custom_id"]?.stringValue }) == ["cut", "fine"])
            let cut = try #require(run.output.first { $0["custom_id"] == "cut" })
            #expect(cut["response"]?["body"]?["choices"]?[0]?["finish_reason"] == "length")
            // The model's own answer to that body, cut: no longer JSON.
            #expect(chatContent(cut) == Self.plainContent(lines[0]))
            #expect((try? JSONParser.parse(chatContent(cut) ?? "")) == nil)
            let fine = try #require(run.output.first { $0["custom_id"] == "fine" })
            #expect(fine["response"]?["body"]?["choices"]?[0]?["finish_reason"] == "stop")
            #expect(try await api.injected(.truncated) == 0, "triggers are not injected faults")
        }
    }

    @Test("Anthropic line faults at rate 1: errored api_error, invalid JSON, not JSON, max_tokens, no line")
    func anthropicKinds() async throws {
        try await withFaultyEmulator("line_error=1") { api in
            let run = try await api.runMessageBatch(ticketRequests(4))
            #expect(run.batch["request_counts"]?["errored"] == 4)
            for result in run.results.values {
                #expect(result == ["type": "errored", "error": AnthropicError.internalServerError.body])
            }
            #expect(try await api.injected(.lineError) == 4)
        }
        try await withFaultyEmulator("schema_invalid=1") { api in
            let run = try await api.runMessageBatch(ticketRequests(4))
            #expect(run.batch["request_counts"]?["succeeded"] == 4)
            for result in run.results.values {
                let text = try #require(result["message"]?["content"]?[0]?["text"]?.stringValue)
                #expect(!ticketProblems(try JSONParser.parse(text)).isEmpty)
            }
        }
        try await withFaultyEmulator("not_json=1") { api in
            let run = try await api.runMessageBatch(ticketRequests(3, extra: forcedTool()))
            for result in run.results.values {
                #expect(result["message"]?["content"] == [DeterministicModel.textBlock(DeterministicModel.notJSONContent)])
            }
        }
        try await withFaultyEmulator("truncated=1") { api in
            let requests = ticketRequests(3)
            let run = try await api.runMessageBatch(requests)
            for request in requests {
                let id = try #require(request["custom_id"]?.stringValue)
                var ids = SplitMix64(seed: 1)
                guard case .message(let full, _, _) = DeterministicModel(seed: 7).message(
                    request["params"]!.objectValue!, inBatch: true, ids: &ids)
                else { throw CancellationError() }
                let message = try #require(run.results[id]?["message"])
                #expect(message["stop_reason"] == "max_tokens")
                let text = full["content"]?[0]?["text"]?.stringValue ?? ""
                #expect(message["content"]?[0]?["text"]?.stringValue == DeterministicModel.cutInHalf(text))
            }
        }
        try await withFaultyEmulator("missing_line=1") { api in
            let run = try await api.runMessageBatch(ticketRequests(4))
            #expect(run.batch["request_counts"]?["succeeded"] == 4)
            #expect(run.results.isEmpty)
            #expect(try await api.injected(.missingLine) == 4)
        }
    }

    @Test("embeddings lines take line_error and missing_line only; content kinds leave them unchanged")
    func embeddings() async throws {
        let lines: [JSONValue] = (1...3).map {
            ["custom_id": .string("e\($0)"), "method": "POST", "url": "/v1/embeddings",
             "body": ["model": "text-embedding-3-small", "input": .string("text \($0)")]]
        }
        try await withFaultyEmulator("truncated=1") { api in
            let file = try await api.uploadLines(lines)
            let id = try #require(try await api.createBatch(fileID: file, endpoint: "/v1/embeddings")["id"]?.stringValue)
            let batch = try await api.waitForBatch(id, until: ["completed"])
            #expect(batch["request_counts"] == ["total": 3, "completed": 3, "failed": 0])
            #expect(try await api.injected(.truncated) == 0)
        }
    }
}
