import Foundation
import Testing

@testable import SluiceCore

/// The repository's root, for the shipped `pipelines/prices.yaml`.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

@Suite struct PriceTableTests {
    func problems(_ yaml: String) -> [SpecProblem] {
        do {
            _ = try PriceTable.parse(yaml: yaml, file: "pipelines/prices.yaml")
            return []
        } catch {
            return error.problems
        }
    }

    @Test func parsesTheShippedTable() throws {
        let table = try PriceTable.load(path: repositoryRoot + "/pipelines/prices.yaml")
        #expect(table.asOf.count == 10)
        let mini = try #require(table.price(for: "gpt-4o-mini"))
        #expect(mini.realtime == ModelPrice.Rates(input: 0.15, output: 0.60))
        #expect(mini.batch == ModelPrice.Rates(input: 0.075, output: 0.30))
        for name in [
            "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "text-embedding-3-small",
            "text-embedding-3-large", "claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-1",
        ] {
            let price = try #require(table.price(for: name), "\(name) is missing")
            // Both OpenAI's Batch API and Anthropic's Message Batches charge half the realtime price.
            #expect(price.batch.input * 2 == price.realtime.input, "\(name)")
            #expect(price.batch.output * 2 == price.realtime.output, "\(name)")
        }
    }

    @Test func unknownModelHasNoPriceAndDatedSnapshotsFindTheirModel() throws {
        let table = try PriceTable.load(path: repositoryRoot + "/pipelines/prices.yaml")
        #expect(table.price(for: "my-finetune") == nil)
        #expect(table.price(for: "gpt-4o-mini-2024-07-18") == table.price(for: "gpt-4o-mini"))
        #expect(table.price(for: "claude-sonnet-4-5-20250929") == table.price(for: "claude-sonnet-4-5"))
        #expect(table.price(for: "gpt-4o-mini-2024") == nil)
    }

    @Test func costIsPerMillionTokens() {
        let rates = ModelPrice.Rates(input: 0.15, output: 0.60)
        #expect(abs(rates.cost(input: 2_000_000, output: 500_000) - 0.60) < 1e-12)
    }

    @Test func rejectsBadEntriesWithFileLineAndKey() {
        let found = problems(
            """
            as_of: "2025-11-01"
            models:
              gpt-4o-mini:
                realtime: {input: 0.15, output: cheap}
                batch: {input: -1, output: 0.30}
              gpt-4o:
                realtime: {input: 2.5}
                batch: {input: 1.25, output: 5, cached: 1}
            """
        )
        let described = found.map(\.description)
        #expect(
            described.contains(
                "pipelines/prices.yaml:4: models.gpt-4o-mini.realtime.output: expected a number, got string"
            )
        )
        #expect(
            described.contains(
                "pipelines/prices.yaml:5: models.gpt-4o-mini.batch.input: must not be negative"
            )
        )
        #expect(
            found.contains {
                $0.keyPath == "models.gpt-4o.realtime.output" && $0.code == "prices.missing_key" && $0.line == 7
            }
        )
        #expect(
            found.contains {
                $0.keyPath == "models.gpt-4o.batch.cached" && $0.code == "spec.unknown_key" && $0.line == 8
            }
        )
        #expect(found.count == 4)
    }

    @Test func requiresTheDateAndTheModels() {
        let found = problems("models: {}\n")
        #expect(found.map(\.keyPath) == ["as_of"])
        #expect(problems("as_of: x\nmodels: [1]\n").map(\.code) == ["spec.invalid_type"])
        #expect(problems("as_of: [").first?.code == "prices.invalid_yaml")
    }
}
