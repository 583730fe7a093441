import Foundation
import SluiceJSON
import SluiceTesting
import Testing

@testable import SluiceCore

@Suite struct AnthropicFormatTests {
    static func spec(_ extra: String = "", structured: String? = nil) throws -> PipelineSpec {
        var yaml = validSpec.replacingOccurrences(of: "provider: local", with: "provider: anthropic")
            .replacingOccurrences(of: "model: gpt-4o-mini", with: "model: claude-haiku-4-5")
        if let structured { yaml = yaml.replacingOccurrences(of: "  prefix: ai_", with: "  prefix: ai_\n  structured: \(structured)") }
        return try SpecLoader.parse(yaml: yaml + extra, name: "tickets", file: "tickets.yaml")
    }

    func stage(_ spec: PipelineSpec, rows: Int, maxBytes: Int = 200_000_000, in dir: String) throws -> StagingResult {
        var csv = "ticket_id,subject,body\n"
        for i in 1...rows { csv += "T\(i),\"Refund, \(i)\",\"said \"\"no\"\" ✓\"\n" }
        try writeFile(dir + "/t.csv", csv)
        let format = WireFormat.anthropicBatch
        let stager = Stager(
            spec: spec, line: format.requestLine(for: spec), providerMaxBytes: maxBytes, providerMaxRequests: 100_000,
            framing: format.framing)
        return try stager.stage(sourcePath: dir + "/t.csv", fileName: "t.csv", directory: dir)
    }

    @Test func aChunkIsTheCreateBodyWithOutputConfig() async throws {
        try await withTemporaryDirectory { dir in
            let spec = try Self.spec()
            let result = try stage(spec, rows: 3, in: dir)
            let body = try JSONParser.parse(String(contentsOfFile: result.chunks[0].path, encoding: .utf8))
            let requests = try #require(body["requests"]?.arrayValue)
            #expect(requests.map { $0["custom_id"] } == ["r1", "r2", "r3"])
            let params = try #require(requests[0]["params"])
            #expect(params["model"] == "claude-haiku-4-5")
            #expect(params["max_tokens"] == 200)
            #expect(params["system"] == "You label support tickets.")
            #expect(params["messages"]?.arrayValue?.first?["role"] == "user")
            #expect(params["messages"]?.arrayValue?.first?["content"] == "Subject: Refund, 1\nBody: said \"no\" ✓\n")
            #expect(params["output_config"]?["format"]?["type"] == "json_schema")
            #expect(params["output_config"]?["format"]?["schema"]?["additionalProperties"] == false)
            #expect(params["response_format"] == nil)
            #expect(result.chunks[0].bytes == (try FileManager.default.attributesOfItem(atPath: result.chunks[0].path)[.size] as? Int))
        }
    }

    @Test func toolModeForcesATool() async throws {
        try await withTemporaryDirectory { dir in
            let spec = try Self.spec(structured: "tool")
            let result = try stage(spec, rows: 1, in: dir)
            let body = try JSONParser.parse(String(contentsOfFile: result.chunks[0].path, encoding: .utf8))
            let params = try #require(body["requests"]?.arrayValue?.first?["params"])
            #expect(params["tools"]?.arrayValue?.first?["name"] == "output")
            #expect(params["tools"]?.arrayValue?.first?["input_schema"]?["required"] == ["category", "urgency"])
            #expect(params["tool_choice"] == ["type": "tool", "name": "output"])
            #expect(params["output_config"] == nil)
        }
    }

    @Test func everyChunkIsValidJSONWithinTheByteLimit() async throws {
        try await withTemporaryDirectory { dir in
            let spec = try Self.spec()
            let result = try stage(spec, rows: 200, maxBytes: 20_000, in: dir)
            #expect(result.chunks.count > 2)
            var seen = 0
            for chunk in result.chunks {
                let data = try Data(contentsOf: URL(fileURLWithPath: chunk.path))
                #expect(data.count == chunk.bytes && data.count <= 20_000)
                let body = try JSONParser.parse(String(decoding: data, as: UTF8.self))
                seen += body["requests"]?.arrayValue?.count ?? 0
            }
            #expect(seen == 200)
        }
    }

    @Test func defaultMaxTokensIsSentWhenParamsLackIt() throws {
        let yaml = validSpec.replacingOccurrences(of: "provider: local", with: "provider: anthropic")
            .replacingOccurrences(of: "params: {max_tokens: 200, temperature: 0}", with: "params: {temperature: 0}")
        let spec = try SpecLoader.parse(yaml: yaml, name: "t", file: "t.yaml")
        var out: [UInt8] = []
        _ = AnthropicRequestFormat.line(for: spec).render(customID: "r1", into: &out) { _, o in
            o.append(contentsOf: "x".utf8)
            return true
        }
        let line = try JSONParser.parse(String(decoding: out, as: UTF8.self))
        #expect(line["params"]?["max_tokens"] == 1024)
    }

    static func parse(_ line: String) throws -> ResultLine {
        var bytes = Array(line.utf8)
        return try bytes.withUnsafeMutableBytes { raw throws(ResultLineError) in
            try AnthropicResultLineParser.parse(UnsafeRawBufferPointer(raw))
        }
    }

    @Test func resultLinesOfEveryTypeAreClassified() throws {
        let errored = try Self.parse(
            #"{"custom_id":"r2","result":{"type":"errored","error":{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: must be >= 1"}}}}"#)
        guard case .failed(let bad) = errored.outcome else { Issue.record("not a failure"); return }
        #expect(bad.code == "provider.invalid_request_error" && bad.category == .permanent)
        #expect(bad.message == "max_tokens: must be >= 1")
        let overloaded = try Self.parse(
            #"{"custom_id":"r3","result":{"type":"errored","error":{"type":"error","error":{"type":"overloaded_error","message":"busy"}}}}"#)
        guard case .failed(let busy) = overloaded.outcome else { Issue.record("not a failure"); return }
        #expect(busy.category == .transient)
        for (type, code) in [("canceled", "provider.batch_cancelled"), ("expired", "provider.batch_expired")] {
            let line = try Self.parse(#"{"custom_id":"r4","result":{"type":"\#(type)"}}"#)
            guard case .failed(let f) = line.outcome else { Issue.record("not a failure"); return }
            #expect(f.code == code && f.category == .transient)
        }
        #expect(throws: ResultLineError.self) { try Self.parse(#"{"result":{"type":"expired"}}"#) }
    }

    @Test func messagesAreReadFromTextOrToolUse() throws {
        let text: JSONValue = try JSONParser.parse(
            #"{"type":"message","content":[{"type":"text","text":"{\"category\":\"billing\",\"urgency\":2}"}],"stop_reason":"end_turn","usage":{"input_tokens":11,"output_tokens":7}}"#)
        let plain = OutputInterpreter(spec: try Self.spec(), format: .anthropicBatch).interpret(body: text)
        #expect(try plain.output.get() == ["category": "billing", "urgency": 2])
        #expect(plain.usage == OutputInterpreter.Usage(input: 11, output: 7))

        let cut: JSONValue = try JSONParser.parse(
            #"{"type":"message","content":[{"type":"text","text":"{\"category\":\"bil"}],"stop_reason":"max_tokens"}"#)
        let truncated = OutputInterpreter(spec: try Self.spec(), format: .anthropicBatch).interpret(body: cut)
        #expect(throws: RowFailure.self) { try truncated.output.get() }
        if case .failure(let f) = truncated.output { #expect(f.code == "output.truncated") }

        let tool: JSONValue = try JSONParser.parse(
            #"{"type":"message","content":[{"type":"tool_use","id":"toolu_1","name":"output","input":{"category":"yes","urgency":9}}],"stop_reason":"tool_use"}"#)
        let viaTool = OutputInterpreter(spec: try Self.spec(structured: "tool"), format: .anthropicBatch).interpret(body: tool)
        if case .failure(let f) = viaTool.output {
            #expect(f.category == .schema && f.path == "/urgency")
        } else {
            Issue.record("urgency 9 is over the maximum 5")
        }
    }

    @Test func anthropicSpecsAreChecked() {
        let embeddings = validSpec.replacingOccurrences(of: "provider: local", with: "provider: anthropic") + "endpoint: embeddings\n"
        #expect(throws: SpecError.self) { try SpecLoader.parse(yaml: embeddings, name: "t", file: "t.yaml") }
        let toolOnOpenAI = validSpec.replacingOccurrences(of: "provider: local", with: "provider: openai")
            .replacingOccurrences(of: "  prefix: ai_", with: "  prefix: ai_\n  structured: tool")
        #expect(throws: SpecError.self) { try SpecLoader.parse(yaml: toolOnOpenAI, name: "t", file: "t.yaml") }
        let protocolOnOpenAI = validSpec.replacingOccurrences(of: "provider: local", with: "provider: openai") + "protocol: anthropic\n"
        #expect(throws: SpecError.self) { try SpecLoader.parse(yaml: protocolOnOpenAI, name: "t", file: "t.yaml") }
    }
}
