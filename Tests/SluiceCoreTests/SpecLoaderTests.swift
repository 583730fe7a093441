import Foundation
import SluiceJSON
import Testing

@testable import SluiceCore

let validSpec = """
    provider: local
    model: gpt-4o-mini
    system: "You label support tickets."
    prompt: |
      Subject: {{subject}}
      Body: {{body}}
    id: ticket_id
    params: {max_tokens: 200, temperature: 0}
    output:
      schema:
        type: object
        properties:
          category: {type: string, enum: [billing, shipping, yes, no]}
          urgency: {type: integer, minimum: 1, maximum: 5}
        required: [category, urgency]
        additionalProperties: false
      prefix: ai_
    batch:
      target_mb: 10
      poll: {initial: 1s, max: 10s}
    retry: {max_attempts: 2}
    """

@Suite struct SpecLoaderTests {
    func load(_ yaml: String) throws(SpecError) -> PipelineSpec {
        try SpecLoader.parse(yaml: yaml, name: "tickets", file: "pipelines/tickets.yaml")
    }

    func problems(_ yaml: String) -> [SpecProblem] {
        do {
            _ = try load(yaml)
            return []
        } catch {
            return error.problems
        }
    }

    @Test func loadsTheDesignExample() throws {
        let spec = try load(validSpec)
        #expect(spec.name == "tickets")
        #expect(spec.provider == .local)
        #expect(spec.model == "gpt-4o-mini")
        #expect(spec.endpoint == .chat)
        #expect(spec.prompt.fields.map(\.name) == ["subject", "body"])
        #expect(spec.idColumn == "ticket_id")
        #expect(spec.params.keys == ["max_tokens", "temperature"])
        #expect(spec.params["max_tokens"] == .int(200))
        #expect(spec.batch.targetMB == 10)
        #expect(spec.batch.pollInitial == .seconds(1))
        #expect(spec.retry.maxAttempts == 2)
        #expect(spec.output.prefix == "ai_")
        // YAML 1.1 would make these booleans; the spec reader keeps them strings.
        #expect(spec.output.wireSchema?["properties"]?["category"]?["enum"] == ["billing", "shipping", "yes", "no"])
    }

    @Test func unknownKeysAreReportedWithLineAndPath() throws {
        let p = problems(validSpec.replacingOccurrences(of: "retry: {max_attempts: 2}", with: "retry: {max_atempts: 2}"))
        try #require(p.count == 1)
        #expect(p[0].code == "spec.unknown_key")
        #expect(p[0].keyPath == "retry.max_atempts")
        #expect(p[0].line == 21)
        #expect(p[0].description.hasPrefix("pipelines/tickets.yaml:21: retry.max_atempts: unknown key 'max_atempts'"))
    }

    @Test func everyProblemIsReportedAtOnce() {
        let yaml = """
            provider: openia
            prompt: "Hi {{name"
            batch: {target_mb: 60}
            colour: blue
            """
        let p = problems(yaml)
        let codes = Set(p.map(\.code))
        #expect(codes.isSuperset(of: ["spec.invalid_value", "spec.missing_key", "template.unclosed", "spec.out_of_range",
            "spec.unknown_key"]))
        #expect(p.first { $0.keyPath == "provider" }?.message == "'openia' is not one of openai, anthropic, openai-compatible, realtime, local")
        #expect(p.contains { $0.keyPath == "model" && $0.code == "spec.missing_key" })
        #expect(p.contains { $0.keyPath == "batch.target_mb" && $0.message == "60 is outside 10...50" })
    }

    @Test func badSchemaIsReportedInsideTheSchema() throws {
        let p = problems(validSpec.replacingOccurrences(of: "type: integer, minimum: 1", with: "type: integr, minimum: 1"))
        try #require(p.count == 1)
        #expect(p[0].code == "spec.invalid_schema")
        #expect(p[0].keyPath.hasPrefix("output.schema.properties.urgency"))
    }

    @Test func invalidYAMLGivesALine() throws {
        let p = problems("provider: local\nmodel: [unclosed\n")
        try #require(p.count == 1)
        #expect(p[0].code == "spec.invalid_yaml")
        #expect(p[0].line != nil)
    }

    @Test func reservedParamsAndCompatibleWithoutBaseURL() {
        let yaml = validSpec.replacingOccurrences(of: "provider: local", with: "provider: openai-compatible")
            .replacingOccurrences(of: "temperature: 0", with: "temperature: 0, stream: true")
        let p = problems(yaml)
        #expect(p.contains { $0.code == "spec.reserved_param" })
        #expect(p.contains { $0.keyPath == "base_url" && $0.code == "spec.missing_key" })
    }

    @Test func embeddingsCannotHaveASchema() {
        let p = problems(validSpec.replacingOccurrences(of: "model: gpt-4o-mini", with: "model: m\nendpoint: embeddings"))
        #expect(p.contains { $0.keyPath == "output.schema" })
    }
}
