import Foundation
import Logging
import SluiceCore
import SluiceJSON
import SluiceTesting
import Testing

/// The budget guard and the cost of a file, through the engine and the local provider's HTTP server.
@Suite struct BudgetTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// gpt-4o-mini at the shipped prices (USD per 1M tokens, batch).
    static let batchInput = 0.075
    static let batchOutput = 0.30

    /// A root with the shipped price table and pipeline `tickets` with `budget`.
    static func root(_ dir: String, budget: String) throws -> (SluiceRoot, PipelineSpec, String) {
        let root = SluiceRoot(path: dir)
        let yaml = ProcessDropTests.spec + "\nbudget: " + budget + "\n"
        let spec = try root.addPipeline("tickets", yaml: yaml)
        try FileManager.default.copyItem(
            atPath: repositoryRoot + "/pipelines/prices.yaml",
            toPath: root.paths.pipelines + "/prices.yaml"
        )
        try SluicePaths.ensureDirectory(root.paths.state)
        return (root, spec, yaml)
    }

    static func manifest(_ path: String) throws -> JSONValue {
        try JSONParser.parse(String(contentsOfFile: path, encoding: .utf8))
    }

    /// The manifest's usage priced at gpt-4o-mini's batch rates.
    static func batchCost(_ manifest: JSONValue) -> Double {
        let input = manifest["usage"]?["input_tokens"]?.numberValue ?? 0
        let output = manifest["usage"]?["output_tokens"]?.numberValue ?? 0
        return (input * batchInput + output * batchOutput) / 1e6
    }

    @Test func aFileOverMaxUSDIsHeldUntilApprovedThenCostsItsUsage() async throws {
        try await withTemporaryDirectory { dir in
            let (root, spec, text) = try Self.root(dir, budget: "{max_usd: 0.000001}")
            // Row 250 is answered with text that is not JSON: retried twice, and every attempt is paid for.
            try ProcessDropTests.drop(rows: 300, at: dir + "/t.csv.gz")
            let store = try StateStore(path: root.paths.database)
            let paths = root.paths
            try await withLocalEmulator(stateDirectory: paths.emulatorState) { emulator in
                let environment = DropEnvironment(
                    provider: emulator.provider,
                    store: store,
                    paths: paths,
                    logger: Logger(label: "test")
                )
                let held = try await DropJob.process(
                    file: dir + "/t.csv.gz",
                    spec: spec,
                    specText: text,
                    environment: environment
                )
                #expect(held.held && held.drop.stage == .awaitingApproval)
                let reason = try #require(held.hold)
                #expect(reason.hasPrefix("estimated $"))
                #expect(reason.contains("at batch prices (300 requests: ~"))
                #expect(reason.contains("exceeds budget.max_usd $0.0000; approve with `sluice approve t.csv.gz`"))
                // Running again without approval is held again; nothing was sent either time.
                #expect(
                    try await DropJob.process(
                        file: dir + "/t.csv.gz",
                        spec: spec,
                        specText: text,
                        environment: environment
                    ).held
                )
                var stats = try await emulator.stats()
                #expect(
                    stats["batches_created"] == 0 && stats["files_uploaded"] == 0 && stats["requests_received"] == 0
                )
                #expect(try await store.spend(pipeline: "tickets", day: SpendDay.of(Date())).committedUSD == 0)

                let estimate = try #require(try await store.dropSpend(dropID: held.drop.id!)?.estimatedUSD)
                #expect(try await store.approve(dropID: held.drop.id!, now: Date()) == .released)
                let done = try await DropJob.process(
                    file: dir + "/t.csv.gz",
                    spec: spec,
                    specText: text,
                    environment: environment
                )
                #expect(done.drop.id == held.drop.id, "the held drop is found again by its content")
                #expect(done.drop.stage == .archived)
                stats = try await emulator.stats()
                #expect(stats["requests_received"] == 302)

                let m = try Self.manifest(done.manifestPath)
                let cost = try #require(m["cost"])
                let actual = Self.batchCost(m)
                #expect(actual > 0)
                #expect(cost["usd_actual"]?.numberValue == USD.rounded(actual))
                #expect(cost["usd_realtime_equivalent"]?.numberValue == USD.rounded(2 * actual))
                #expect(cost["saving_usd"]?.numberValue == USD.rounded(actual))
                #expect(cost["usd_estimated"]?.numberValue == USD.rounded(estimate))
                #expect(cost["price_known"] == .bool(true))
                let totals = try await store.spend(pipeline: "tickets", day: SpendDay.of(Date()))
                #expect(abs(totals.actualUSD - actual) < 1e-12 && totals.reservedUSD == 0)
                #expect(totals.files == 1 && totals.requests == 302)
                #expect(Double(totals.inputTokens) == m["usage"]?["input_tokens"]?.numberValue)

                // The same content again: its results are reused, nothing is sent, it costs nothing.
                try FileManager.default.copyItem(atPath: dir + "/t.csv.gz", toPath: dir + "/again.csv.gz")
                let again = try await DropJob.process(
                    file: dir + "/again.csv.gz",
                    spec: spec,
                    specText: text,
                    environment: environment
                )
                let reused = try Self.manifest(again.manifestPath)
                #expect(reused["cost"]?["usd_actual"]?.numberValue == 0)
                #expect(reused["cost"]?["usd_estimated"]?.numberValue == 0)
                #expect(try await store.spend(pipeline: "tickets", day: SpendDay.of(Date())) == totals)
            }
        }
    }

    @Test func aDailyHoldGoesOnByItselfOnAUTCDayItFits() async throws {
        try await withTemporaryDirectory { dir in
            try ProcessDropTests.drop(rows: 200, at: dir + "/monday.csv.gz")
            // The same size, other content (so nothing is reused).
            try ProcessDropTests.drop(rows: 200, at: dir + "/tuesday.csv.gz", variant: "b")
            let probe = try SluiceRoot(path: dir + "/probe").addPipeline("tickets", yaml: ProcessDropTests.spec)
            let estimate = try DropEstimator(
                spec: probe,
                wireFormat: .openAIBatch,
                providerMaxBytes: 200_000_000,
                providerMaxRequests: 50_000
            ).estimate(sourcePath: dir + "/monday.csv.gz", fileName: "monday.csv.gz", temporaryRoot: dir)
            let mondayUSD =
                (Double(estimate.inputTokens) * Self.batchInput + Double(estimate.outputTokens) * Self.batchOutput)
                / 1e6
            // Room for one file a day.
            let (root, spec, text) = try Self.root(dir, budget: "{daily_usd: \(mondayUSD * 1.05)}")
            let store = try StateStore(path: root.paths.database)
            let paths = root.paths
            let lateOnDay1 = Date(timeIntervalSince1970: 1_796_079_600)  // 2026-11-30T23:00:00Z
            try await withLocalEmulator(stateDirectory: paths.emulatorState) { emulator in
                var environment = DropEnvironment(
                    provider: emulator.provider,
                    store: store,
                    paths: paths,
                    logger: Logger(label: "test")
                )
                environment.wallClock = { lateOnDay1 }
                let first = try await DropJob.process(
                    file: dir + "/monday.csv.gz",
                    spec: spec,
                    specText: text,
                    environment: environment
                )
                #expect(first.drop.stage == .archived)
                let second = try await DropJob.process(
                    file: dir + "/tuesday.csv.gz",
                    spec: spec,
                    specText: text,
                    environment: environment
                )
                #expect(second.held)
                #expect(second.hold?.contains("on 2026-11-30 (UTC) exceeds budget.daily_usd") == true)
                #expect(try await emulator.stats()["requests_received"] == 200)
                let day1 = try await store.spend(pipeline: "tickets", day: "2026-11-30")
                let firstCost = try #require(try Self.manifest(first.manifestPath)["cost"]?["usd_actual"]?.numberValue)
                #expect(USD.rounded(day1.actualUSD) == firstCost && day1.reservedUSD == 0 && day1.files == 1)

                environment.wallClock = { lateOnDay1.addingTimeInterval(3_600) }  // 2026-12-01T00:00:00Z
                let next = try await DropJob.process(
                    file: dir + "/tuesday.csv.gz",
                    spec: spec,
                    specText: text,
                    environment: environment
                )
                #expect(next.drop.id == second.drop.id && next.drop.stage == .archived)
                let day2 = try await store.spend(pipeline: "tickets", day: "2026-12-01")
                let secondCost = try #require(try Self.manifest(next.manifestPath)["cost"]?["usd_actual"]?.numberValue)
                #expect(USD.rounded(day2.actualUSD) == secondCost && day2.files == 1 && day2.reservedUSD == 0)
                #expect(try await store.spend(pipeline: "tickets", day: "2026-11-30") == day1, "day 1 is unchanged")
            }
        }
    }
}
