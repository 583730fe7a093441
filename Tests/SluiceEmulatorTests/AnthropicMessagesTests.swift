import Foundation
import HTTPTypes
import SluiceJSON
import Testing

@testable import SluiceEmulator

@Suite("Anthropic Messages: the deterministic model over POST /v1/messages")
struct AnthropicMessagesTests {
    /// POSTs params to /v1/messages.
    func create(_ api: API, _ params: JSONObject) async throws -> APIResponse {
        try await api.anthropic(.post, "/v1/messages", json: .object(params))
    }

    /// The schema violations of `value` (empty when it conforms).
    func problems(_ value: JSONValue, _ schema: JSONValue = ticketSchema) throws -> [String] {
        try JSONSchema(schema).validate(value).map(\.description)
    }

    @Test("plain text: a Message with one text block, end_turn, usage; same params give the same content")
    func text() async throws {
        try await withEmulator { api in
            let response = try await create(api, messageParams("My parcel is late"))
            #expect(response.status == 200)
            #expect(response.headers[HTTPField.Name("request-id")!] != nil)
            let message = try #require(response.json)
            #expect(message.objectValue?.keys == ["id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage"])
            #expect(message["id"]?.stringValue?.wholeMatch(of: /msg_01[A-Za-z0-9]{22}/) != nil)
            #expect(message["type"] == "message" && message["role"] == "assistant" && message["model"] == "claude-sonnet-4-5")
            #expect(message["stop_reason"] == "end_turn" && message["stop_sequence"] == .null)
            let blocks = try #require(message["content"]?.arrayValue)
            #expect(blocks.count == 1 && blocks[0].objectValue?.keys == ["type", "text"] && blocks[0]["type"] == "text")
            let text = try #require(blocks[0]["text"]?.stringValue)
            #expect(!text.isEmpty)
            #expect(message["usage"]?.objectValue?.keys == ["input_tokens", "output_tokens"])
            #expect(message["usage"]?["output_tokens"] == .int(DeterministicModel.tokens(bytes: text.utf8.count)))
            let bytes = "You label support tickets.".utf8.count + "My parcel is late".utf8.count
            #expect(message["usage"]?["input_tokens"] == .int(DeterministicModel.tokens(bytes: bytes)))
            let again = try #require(try await create(api, messageParams("My parcel is late")).json)
            #expect(again["content"] == message["content"] && again["id"] != message["id"])
            let other = try #require(try await create(api, messageParams("Refund my invoice")).json)
            #expect(other["content"] != message["content"])
        }
    }

    @Test("output_config json_schema: one text block of JSON conforming to the schema, for many requests")
    func jsonSchema() async throws {
        try await withEmulator { api in
            for i in 1...25 {
                let message = try #require(try await create(api, messageParams("ticket \(i)", extra: [jsonSchemaOutput()])).json)
                #expect(message["stop_reason"] == "end_turn")
                let blocks = try #require(message["content"]?.arrayValue)
                #expect(blocks.count == 1 && blocks[0]["type"] == "text")
                let value = try JSONParser.parse(try #require(blocks[0]["text"]?.stringValue))
                #expect(try problems(value) == [])
                #expect(ticketProblems(value) == [])
            }
        }
    }

    @Test("forced tool: one tool_use block with input conforming to input_schema, stop_reason tool_use")
    func forcedToolUse() async throws {
        try await withEmulator { api in
            for i in 1...25 {
                let message = try #require(try await create(api, messageParams("ticket \(i)", extra: forcedTool())).json)
                #expect(message["stop_reason"] == "tool_use")
                let blocks = try #require(message["content"]?.arrayValue)
                #expect(blocks.count == 1)
                let block = blocks[0]
                #expect(block.objectValue?.keys == ["type", "id", "name", "input"])
                #expect(block["type"] == "tool_use" && block["name"] == "label")
                #expect(block["id"]?.stringValue?.wholeMatch(of: /toolu_01[A-Za-z0-9]{22}/) != nil)
                #expect(try problems(try #require(block["input"])) == [])
            }
            // tool_choice any picks the (only) tool too; auto answers text.
            var params = messageParams("x", extra: forcedTool())
            params["tool_choice"] = ["type": "any"]
            #expect(try await create(api, params).json?["content"]?[0]?["type"] == "tool_use")
            params["tool_choice"] = ["type": "auto"]
            #expect(try await create(api, params).json?["content"]?[0]?["type"] == "text")
        }
    }

    @Test("triggers: __sluice_invalid__ breaks the schema (text and tool input), __sluice_notjson__ is not JSON")
    func triggers() async throws {
        try await withEmulator { api in
            let invalidText = try #require(
                try await create(api, messageParams("a __sluice_invalid__ one", extra: [jsonSchemaOutput()])).json)
            let invalidValue = try JSONParser.parse(try #require(invalidText["content"]?[0]?["text"]?.stringValue))
            #expect(try !problems(invalidValue).isEmpty)
            let invalidTool = try #require(try await create(api, messageParams("a __sluice_invalid__ one", extra: forcedTool())).json)
            #expect(invalidTool["stop_reason"] == "tool_use")
            #expect(try !problems(try #require(invalidTool["content"]?[0]?["input"])).isEmpty)
            let notJSON = try #require(try await create(api, messageParams("__sluice_notjson__", extra: [jsonSchemaOutput()])).json)
            let text = try #require(notJSON["content"]?[0]?["text"]?.stringValue)
            #expect(text == DeterministicModel.notJSONContent)
            #expect((try? JSONParser.parse(text)) == nil)
            let notJSONTool = try #require(try await create(api, messageParams("__sluice_notjson__", extra: forcedTool())).json)
            #expect(notJSONTool["content"] == [["type": "text", "text": .string(DeterministicModel.notJSONContent)]])
            #expect(notJSONTool["stop_reason"] == "end_turn")
            // __sluice_expire__ only means something inside a batch.
            #expect(try await create(api, messageParams("__sluice_expire__")).status == 200)
            let failed = try await create(api, messageParams("__sluice_fail__"))
            #expect(failed.status == 500)
            #expect(anthropicError(failed) == ["type": "api_error", "message": "Internal server error"])
        }
    }

    @Test("max_tokens smaller than the answer cuts it: stop_reason max_tokens")
    func maxTokens() async throws {
        try await withEmulator { api in
            let cut = try #require(try await create(api, messageParams("ticket", maxTokens: 3, extra: [jsonSchemaOutput()])).json)
            #expect(cut["stop_reason"] == "max_tokens")
            let text = try #require(cut["content"]?[0]?["text"]?.stringValue)
            #expect(text.utf8.count <= 12 && (try? JSONParser.parse(text)) == nil)
            #expect((cut["usage"]?["output_tokens"]?.numberValue ?? 99) <= 3)
            let tool = try #require(try await create(api, messageParams("ticket", maxTokens: 3, extra: forcedTool())).json)
            #expect(tool["stop_reason"] == "max_tokens")
            #expect(tool["content"]?[0]?["type"] == "tool_use" && tool["content"]?[0]?["input"] == [:])
        }
    }

    @Test("bad params are 400 invalid_request_error, unknown models 404, bodies over the limit 413")
    func errors() async throws {
        try await withEmulator(limits: EmulatorLimits(maxMessagesBodyBytes: 4_096)) { api in
            let cases: [(JSONObject, Int, JSONValue)] = [
                (JSONObject([("model", "m"), ("messages", [["role": "user", "content": "hi"]])]), 400,
                 ["type": "invalid_request_error", "message": "max_tokens: Field required"]),
                (messageParams("x", maxTokens: 0), 400,
                 ["type": "invalid_request_error", "message": "max_tokens: Input should be greater than or equal to 1"]),
                (JSONObject([("model", "m"), ("max_tokens", 5)]), 400, ["type": "invalid_request_error", "message": "messages: Field required"]),
                (messageParams("x", extra: [("messages", [])]), 400,
                 ["type": "invalid_request_error", "message": "messages: at least one message is required"]),
                (messageParams("x", model: "unknown-claude"), 404, ["type": "not_found_error", "message": "model: unknown-claude"]),
                (messageParams("x", extra: [("tool_choice", ["type": "tool", "name": "label"])]), 400,
                 ["type": "invalid_request_error", "message": "tool_choice: tool_choice may only be specified while providing tools"]),
                (messageParams("x", extra: [("output_config", ["format": ["type": "json_schema"]])]), 400,
                 ["type": "invalid_request_error", "message": "output_config.format.schema: Field required"]),
            ]
            for (params, status, error) in cases {
                let response = try await create(api, params)
                #expect(response.status == status)
                #expect(anthropicError(response) == error)
            }
            let notJSON = try await api.anthropic(.post, "/v1/messages", raw: Array("{nope".utf8))
            #expect(notJSON.status == 400 && anthropicError(notJSON)?["type"] == "invalid_request_error")
            let big = try await create(api, messageParams(String(repeating: "long ", count: 1_000)))
            #expect(big.status == 413)
            #expect(anthropicError(big) == ["type": "request_too_large", "message": "Request exceeds the maximum allowed number of bytes."])
        }
    }
}
