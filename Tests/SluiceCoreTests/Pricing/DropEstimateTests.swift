import Foundation
import SluiceJSON
import SluiceTesting
import Testing

@testable import SluiceCore

@Suite struct DropEstimateTests {
    static func spec(_ extra: String = "", maxRequests: Int = 3) -> String {
        """
        provider: local
        model: gpt-4o-mini
        \(extra)
        system: "You label support tickets."
        prompt: "Subject: {{subject}}\\nBody: {{body}}"
        params: {max_tokens: 50}
        output:
          schema:
            type: object
            properties:
              category: {type: string, enum: [billing, other]}
            required: [category]
        batch: {max_requests: \(maxRequests)}
        """
    }

    /// Ten lines: seven distinct requests, one repeated (rows 2 and 9), one lacking a field, one not an object.
    static let drop =
        (1...10).map { i -> String in
            switch i {
            case 4: return #"{"subject": "no body here"}"#
            case 7: return "[1, 2]"
            case 9: return #"{"subject": "Refund 2", "body": "Charged twice, on the 3rd and the 5th."}"#
            default:
                return #"{"subject": "Refund \#(i)", "body": "Charged twice, on the 3rd and the 5th."}"#
            }
        }.joined(separator: "\n") + "\n"

    static let subjects = [1, 2, 3, 5, 6, 8, 9, 10].map { $0 == 9 ? "Refund 2" : "Refund \($0)" }

    func run(_ wire: WireFormat, extra: String = "") async throws -> (DropEstimate, StagingResult) {
        try await withTemporaryDirectory { dir in
            let root = SluiceRoot(path: dir)
            let spec = try root.addPipeline("tickets", yaml: Self.spec(extra))
            let file = dir + "/drop.jsonl"
            try writeFile(file, Self.drop)
            let estimator = DropEstimator(
                spec: spec,
                wireFormat: wire,
                providerMaxBytes: 200_000_000,
                providerMaxRequests: 50_000
            )
            let estimate = try estimator.estimate(
                sourcePath: file,
                fileName: "drop.jsonl",
                temporaryRoot: dir
            )
            // What staging itself produces for the same file.
            let work = dir + "/stage"
            try SluicePaths.ensureDirectory(work)
            let staged = try Stager(
                spec: spec,
                line: wire.requestLine(for: spec),
                providerMaxBytes: 200_000_000,
                providerMaxRequests: 50_000,
                framing: wire.framing
            ).stage(sourcePath: file, fileName: "drop.jsonl", directory: work)
            let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter {
                $0.hasPrefix("sluice-estimate")
            }
            #expect(left.isEmpty, "the temporary staging folder is removed")
            return (estimate, staged)
        }
    }

    @Test(arguments: [WireFormat.openAIBatch, .anthropicBatch])
    func countsMatchStaging(_ wire: WireFormat) async throws {
        let (estimate, staged) = try await run(
            wire,
            extra: wire == .anthropicBatch ? "protocol: anthropic" : ""
        )
        #expect(estimate.rows == 10 && staged.rowsIn == 10)
        #expect(estimate.failedRows == 2 && staged.failedRows == 2)
        #expect(estimate.failuresByCode["template.missing_field"] == 1)
        #expect(estimate.failuresByCode.count == 2)
        #expect(estimate.requests == 8 && staged.chunks.reduce(0) { $0 + $1.requests } == 8)
        #expect(estimate.uniqueRequests == 7)
        #expect(estimate.chunks == 3 && staged.chunks.count == 3)
        #expect(estimate.chunkBytes == staged.chunks.reduce(0) { $0 + $1.bytes })
        // Input tokens are the estimator's count of exactly the rendered system and user messages.
        let system = "You label support tickets."
        let expected = Self.subjects.map {
            TokenEstimator.chatTokens(messages: [
                system, "Subject: \($0)\nBody: Charged twice, on the 3rd and the 5th.",
            ])
        }
        #expect(estimate.inputTokens == Int(expected.reduce(0, +).rounded()))
        let unique = expected.enumerated().filter { $0.offset != 6 }.map(\.element)  // row 9 repeats row 2
        #expect(estimate.uniqueInputTokens == Int(unique.reduce(0, +).rounded()))
        #expect(estimate.outputCapPerRequest == 50)
        #expect(estimate.outputBasis == .schema)
        #expect(estimate.outputExpectedPerRequest > 0 && estimate.outputExpectedPerRequest <= 50)
    }

    @Test func theReportPricesKnownModelsAndSaysUnknownOtherwise() async throws {
        let (estimate, _) = try await run(.openAIBatch)
        let price = ModelPrice(
            realtime: .init(input: 0.15, output: 0.60),
            batch: .init(input: 0.075, output: 0.30)
        )
        let known = EstimateReport(
            pipeline: "tickets",
            file: "drop.jsonl",
            provider: "local",
            model: "gpt-4o-mini",
            estimate: estimate,
            price: price,
            pricesFile: "pipelines/prices.yaml",
            pricesAsOf: "2025-11-01"
        )
        let batch = (Double(estimate.inputTokens) * 0.075 + Double(estimate.outputTokens) * 0.30) / 1e6
        #expect(abs(known.batchUSD! - batch) < 1e-12)
        #expect(abs(known.realtimeUSD! - 2 * batch) < 1e-12)
        #expect(known.json["cost"]?["batch"]?.numberValue == USD.rounded(batch))
        #expect(known.json["tokens"]?["method"]?.stringValue == "approximation")
        let unknown = EstimateReport(
            pipeline: "tickets",
            file: "drop.jsonl",
            provider: "local",
            model: "mine",
            estimate: estimate,
            price: nil,
            pricesFile: "pipelines/prices.yaml",
            pricesAsOf: "2025-11-01"
        )
        #expect(unknown.json["cost"]?["batch"] == .null)
        #expect(unknown.json["price"]?["known"] == .bool(false))
        #expect(
            unknown.text.contains("cost        unknown: no price for mine in pipelines/prices.yaml")
        )
    }

    @Test func checkFlagsABudgetOnAnUnpricedModel() async throws {
        try await withTemporaryDirectory { dir in
            let root = SluiceRoot(path: dir)
            try FileManager.default.copyItem(
                atPath: repositoryRoot + "/pipelines/prices.yaml",
                toPath: dir + "/pipelines-prices.yaml"
            )
            try root.addPipeline("priced", yaml: Self.spec("budget: {max_usd: 5}"))
            try root.addPipeline(
                "unpriced",
                yaml: Self.spec().replacingOccurrences(of: "gpt-4o-mini", with: "my-finetune")
                    + "\nbudget: {max_usd: 5}\n"
            )
            try FileManager.default.moveItem(
                atPath: dir + "/pipelines-prices.yaml",
                toPath: root.paths.pipelines + "/prices.yaml"
            )
            let report = SpecCheck.run(paths: root.paths)
            #expect(!report.ok)
            let file = root.paths.spec("unpriced")
            #expect(
                report.lines.contains {
                    $0.hasPrefix("\(file):14: budget.max_usd: model 'my-finetune' has no price in ")
                        && $0.contains("pipelines/prices.yaml")
                },
                "\(report.lines)"
            )
            #expect(report.lines.last == "2 of 2 spec(s) valid, 1 problem(s)")
        }
    }
}
