import SluiceJSON
import Testing

@testable import SluiceCore

/// The token measure reads only the texts of a request line; it must count what the whole-tree parse counts.
@Suite struct ChunkTokensPruningTests {
    private let pieces = ["Refund", " for order #1001", "\n", "café", " 配送", " \"quoted\"", "😞", "\\", "", " x"]

    private func text(_ random: inout SeededGenerator) -> JSONValue {
        var s = ""
        for _ in 0..<Int.random(in: 0...30, using: &random) { s += pieces.randomElement(using: &random)! }
        // Now and then not a string at all: both paths must read it as empty.
        return Int.random(in: 0..<20, using: &random) == 0 ? .int(7) : .string(s)
    }

    private func line(_ format: WireFormat, _ random: inout SeededGenerator) -> [UInt8] {
        var messages: [JSONValue] = []
        for role in ["system", "user", "assistant"].prefix(Int.random(in: 0...3, using: &random)) {
            messages.append(["role": .string(role), "content": text(&random), "name": "n"])
        }
        let schema: JSONValue = [
            "type": "object", "properties": ["summary": ["type": "string", "maxLength": 120]],
            "required": ["summary"],
        ]
        let value: JSONValue
        switch format {
        case .openAIBatch:
            value = [
                "custom_id": "r1", "method": "POST", "url": "/v1/chat/completions",
                "body": [
                    "model": "gpt-4o-mini", "messages": .array(messages), "input": text(&random),
                    "response_format": ["type": "json_schema", "json_schema": ["name": "x", "schema": schema]],
                ],
            ]
        case .anthropicBatch:
            value = [
                "custom_id": "r1",
                "params": [
                    "model": "claude", "max_tokens": 200, "system": text(&random), "messages": .array(messages),
                    "tools": [["name": "x", "input_schema": schema]],
                ],
            ]
        }
        return JSONWriter.bytes(value)
    }

    @Test(arguments: [WireFormat.openAIBatch, .anthropicBatch])
    func countsWhatTheWholeParseCounts(format: WireFormat) throws {
        let spec = try SpecLoader.parse(yaml: validSpec, name: "t", file: "t.yaml")
        let tokens = ChunkTokens(spec: spec, wireFormat: format)
        var random = SeededGenerator(state: 21)
        for _ in 0..<2_000 {
            let bytes = ArraySlice(line(format, &random))
            let pruned = try tokens.inputTokens(bytes)
            let whole = try tokens.inputTokens(bytes) { line, _ in try JSONParser.parse(line) }
            #expect(pruned == whole, "\(String(decoding: bytes, as: UTF8.self))")
        }
    }
}
