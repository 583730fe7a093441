import Foundation
import SluiceJSON
import Testing

@testable import SluiceEmulator

@Suite("Deterministic model")
struct ModelTests {
    func generate(_ schema: JSONValue, seed: UInt64) -> JSONValue {
        var generator = SchemaValueGenerator(root: schema, random: SplitMix64(seed: seed))
        return generator.generate()
    }

    @Test("generated values respect numeric bounds, multipleOf, string lengths, formats and patterns")
    func keywords() throws {
        let schema: JSONValue = [
            "type": "object",
            "properties": [
                "i": ["type": "integer", "exclusiveMinimum": 10, "maximum": 12],
                "m": ["type": "integer", "minimum": 0, "maximum": 100, "multipleOf": 7],
                "d": ["type": "number", "minimum": -1.5, "exclusiveMaximum": -1.0],
                "step": ["type": "number", "minimum": 0, "maximum": 1, "multipleOf": 0.25],
                "s": ["type": "string", "minLength": 3, "maxLength": 5],
                "date": ["type": "string", "format": "date"],
                "uuid": ["type": "string", "format": "uuid"],
                "email": ["type": "string", "format": "email"],
                "code": ["type": "string", "pattern": "^[A-Z]{2}-\\d{3}(x|y)?$"],
                "c": ["const": "fixed"],
                "opt": ["type": ["string", "null"]],
            ],
            "required": ["i", "m", "d", "step", "s", "date", "uuid", "email", "code", "c", "opt"],
            "additionalProperties": false,
        ]
        for seed in 0..<300 as Range<UInt64> {
            let v = generate(schema, seed: seed)
            let o = try #require(v.objectValue)
            #expect(o.keys == ["i", "m", "d", "step", "s", "date", "uuid", "email", "code", "c", "opt"])
            let i = try #require(o["i"]?.numberValue)
            #expect(i == 11 || i == 12)
            let m = Int(try #require(o["m"]?.numberValue))
            #expect(m % 7 == 0 && (0...100).contains(m))
            let d = try #require(o["d"]?.numberValue)
            #expect(d >= -1.5 && d < -1.0)
            let step = try #require(o["step"]?.numberValue)
            #expect([0, 0.25, 0.5, 0.75, 1].contains(step))
            let s = try #require(o["s"]?.stringValue)
            #expect((3...5).contains(s.count))
            let date = try #require(o["date"]?.stringValue)
            #expect(date.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil)
            let uuid = try #require(o["uuid"]?.stringValue)
            #expect(UUID(uuidString: uuid) != nil)
            #expect(o["email"]?.stringValue?.contains("@") == true)
            let code = try #require(o["code"]?.stringValue)
            #expect(code.range(of: #"^[A-Z]{2}-\d{3}(x|y)?$"#, options: .regularExpression) != nil, "\(code)")
            #expect(o["c"] == "fixed")
            #expect(o["opt"] == .null || o["opt"]?.stringValue != nil)
        }
    }

    @Test("$ref into $defs, recursion, anyOf branches and arrays with unique items terminate and conform")
    func structure() throws {
        let schema: JSONValue = [
            "type": "object",
            "$defs": [
                "node": [
                    "type": "object",
                    "properties": [
                        "name": ["type": "string", "enum": ["x", "y"]],
                        "children": ["type": "array", "items": ["$ref": "#/$defs/node"]],
                    ],
                    "required": ["name", "children"],
                    "additionalProperties": false,
                ]
            ],
            "properties": [
                "root": ["$ref": "#/$defs/node"],
                "either": ["anyOf": [["type": "integer", "minimum": 5, "maximum": 5], ["type": "boolean"]]],
                "set": ["type": "array", "items": ["type": "integer", "minimum": 1, "maximum": 4], "minItems": 4, "maxItems": 4, "uniqueItems": true],
            ],
            "required": ["root", "either", "set"],
            "additionalProperties": false,
        ]
        func depth(_ node: JSONValue) -> Int {
            1 + ((node["children"]?.arrayValue ?? []).map(depth).max() ?? 0)
        }
        #expect(SchemaRules.problem(schema: schema, name: "tree", strict: true) == nil)
        for seed in 0..<100 as Range<UInt64> {
            let v = generate(schema, seed: seed)
            let root = try #require(v["root"])
            #expect(["x", "y"].contains(root["name"]?.stringValue ?? ""))
            #expect(depth(root) <= 40)
            let either = try #require(v["either"])
            #expect(either == 5 || either == true || either == false)
            let set = try #require(v["set"]?.arrayValue)
            #expect(Set(set) == [1, 2, 3, 4])
        }
    }

    @Test("strict-mode schema rules give the real API's messages")
    func strictRules() {
        #expect(
            SchemaRules.problem(schema: ["type": "array"], name: "n", strict: true)
                == "Invalid schema for response_format 'n': schema must be a JSON Schema of 'type: \"object\"', got 'type: \"array\"'.")
        let missingRequired: JSONValue = [
            "type": "object", "properties": ["a": ["type": "string"], "b": ["type": "string"]], "required": ["a"],
            "additionalProperties": false,
        ]
        #expect(
            SchemaRules.problem(schema: missingRequired, name: "n", strict: true)
                == "Invalid schema for response_format 'n': In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'b'.")
        #expect(SchemaRules.problem(schema: missingRequired, name: "n", strict: false) == nil)
        let nested: JSONValue = [
            "type": "object", "properties": ["a": ["type": "object", "properties": [:]]], "required": ["a"],
            "additionalProperties": false,
        ]
        #expect(
            SchemaRules.problem(schema: nested, name: "n", strict: true)
                == "Invalid schema for response_format 'n': In context=('properties', 'a'), 'additionalProperties' is required to be supplied and to be false.")
        let badRef: JSONValue = ["type": "object", "properties": ["a": ["$ref": "#/$defs/missing"]]]
        #expect(
            SchemaRules.problem(schema: badRef, name: "n", strict: false)
                == "Invalid schema for response_format 'n': In context=('properties', 'a'), reference to component '#/$defs/missing' which was not found in the schema.")
    }

    @Test("chat answers are pure functions of seed and body; max_tokens truncates with finish_reason length")
    func chatAnswers() throws {
        let model = DeterministicModel(seed: 1)
        let body = chatLine("x", "hello", schema: nil, extra: [("max_tokens", 2)])["body"]!.objectValue!
        var ids = SplitMix64(seed: 0)
        guard case .success(let a, _, let output) = model.answer(endpoint: "/v1/chat/completions", body: body, created: 1, ids: &ids),
            case .success(let b, _, _) = model.answer(endpoint: "/v1/chat/completions", body: body, created: 2, ids: &ids)
        else {
            Issue.record("chat failed")
            return
        }
        let choiceA = try #require(a["choices"]?.arrayValue?.first)
        #expect(choiceA == b["choices"]?.arrayValue?.first)
        #expect(choiceA["finish_reason"] == "length")
        #expect(output == 2)
        #expect((choiceA["message"]?["content"]?.stringValue?.utf8.count ?? 99) <= 8)
    }

    @Test("embeddings: default and requested dimensions, unit length, similar texts closer than unrelated ones")
    func embeddings() throws {
        let model = DeterministicModel(seed: 3)
        var ids = SplitMix64(seed: 0)
        func vectors(_ body: JSONValue) throws -> [[Double]] {
            guard case .success(let response, let tokens, _) = model.answer(endpoint: "/v1/embeddings", body: body.objectValue!, created: 0, ids: &ids)
            else { throw CancellationError() }
            #expect(tokens > 0)
            #expect(response["object"] == "list")
            return (response["data"]?.arrayValue ?? []).map { ($0["embedding"]?.arrayValue ?? []).compactMap(\.numberValue) }
        }
        let texts: JSONValue = ["the parcel arrived late and damaged", "my parcel arrived damaged and late today", "refund my invoice payment"]
        let v = try vectors(["model": "text-embedding-3-small", "input": texts])
        #expect(v.map(\.count) == [1536, 1536, 1536])
        func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        for x in v { #expect(abs(dot(x, x) - 1) < 1e-4) }
        #expect(dot(v[0], v[1]) > dot(v[0], v[2]) + 0.3)
        #expect(try vectors(["model": "text-embedding-3-large", "input": "a"]).first?.count == 3072)
        #expect(try vectors(["model": "text-embedding-3-small", "input": "a", "dimensions": 64]).first?.count == 64)
        #expect(try vectors(["model": "local-embedder", "input": "a"]).first?.count == 256)
        guard case .failure(let error) = model.answer(endpoint: "/v1/embeddings", body: ["model": "m", "input": ""], created: 0, ids: &ids) else {
            Issue.record("empty input accepted")
            return
        }
        #expect(error.status == 400)
    }

    @Test("__sluice_invalid__ breaks an enum when there is one, else another rule")
    func violations() throws {
        let noEnum: JSONValue = [
            "type": "object", "properties": ["n": ["type": "integer", "minimum": 1, "maximum": 3]], "required": ["n"],
            "additionalProperties": false,
        ]
        let broken = SchemaViolation.violate(generate(noEnum, seed: 1), schema: noEnum, root: noEnum)
        #expect(broken["n"]?.numberValue == 4)
        let valid = generate(ticketSchema, seed: 9)
        #expect(ticketProblems(valid) == [])
        #expect(ticketProblems(SchemaViolation.violate(valid, schema: ticketSchema, root: ticketSchema)) == ["category"])
    }

    @Test("responses and completions bodies have the real object shapes; text.format json_schema is honoured")
    func otherEndpoints() throws {
        let model = DeterministicModel(seed: 5)
        var ids = SplitMix64(seed: 0)
        let responsesBody: JSONValue = [
            "model": "gpt-4.1-mini", "input": "label this",
            "text": ["format": ["type": "json_schema", "name": "ticket", "strict": true, "schema": ticketSchema]],
        ]
        guard case .success(let response, _, _) = model.answer(
            endpoint: "/v1/responses", body: responsesBody.objectValue!, created: 9, ids: &ids)
        else {
            Issue.record("responses failed")
            return
        }
        #expect(response["object"] == "response")
        #expect(response["status"] == "completed")
        let text = try #require(response["output"]?.arrayValue?.first?["content"]?.arrayValue?.first?["text"]?.stringValue)
        #expect(ticketProblems(try JSONParser.parse(text)) == [])
        #expect(response["usage"]?["total_tokens"]?.numberValue != nil)

        let completionBody: JSONValue = ["model": "gpt-3.5-turbo-instruct", "prompt": "Say hi"]
        guard case .success(let completion, _, let output) = model.answer(
            endpoint: "/v1/completions", body: completionBody.objectValue!, created: 9, ids: &ids)
        else {
            Issue.record("completions failed")
            return
        }
        #expect(completion["object"] == "text_completion")
        #expect(output <= 16)
        #expect(completion["choices"]?.arrayValue?.first?["text"]?.stringValue?.isEmpty == false)
    }
}
