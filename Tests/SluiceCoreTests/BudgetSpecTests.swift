import Foundation
import SluiceJSON
import SluiceTesting
import Testing

@testable import SluiceCore

/// `budget.max_usd` and `budget.daily_usd` in the spec loader and in `sluice check`.
@Suite struct BudgetSpecTests {
    func problems(_ budget: String) -> [SpecProblem] {
        do {
            _ = try SpecLoader.parse(
                yaml: validSpec + "\n" + budget + "\n",
                name: "tickets",
                file: "pipelines/tickets.yaml"
            )
            return []
        } catch {
            return error.problems
        }
    }

    @Test func bothLimitsAreRead() throws {
        let spec = try SpecLoader.parse(
            yaml: validSpec + "\nbudget: {max_usd: 10, daily_usd: 25.5}\n",
            name: "tickets",
            file: "t.yaml"
        )
        #expect(spec.budget.maxUSD == 10)
        #expect(spec.budget.dailyUSD == 25.5)
        let none = try SpecLoader.parse(yaml: validSpec, name: "tickets", file: "t.yaml")
        #expect(none.budget.maxUSD == nil && none.budget.dailyUSD == nil)
    }

    @Test func aNegativeOrNonNumericDailyBudgetIsAProblemAtItsLine() throws {
        let negative = problems("budget:\n  daily_usd: -5")
        try #require(negative.count == 1)
        #expect(negative[0].code == "spec.out_of_range")
        #expect(negative[0].keyPath == "budget.daily_usd")
        #expect(negative[0].line == 23)
        #expect(negative[0].message == "must be a dollar amount, not negative")
        let text = problems("budget: {daily_usd: lots}")
        #expect(text.map(\.code) == ["spec.invalid_type"])
        #expect(text.first?.keyPath == "budget.daily_usd")
        #expect(problems("budget: {daily_usd: .inf}").map(\.keyPath) == ["budget.daily_usd"])
        #expect(problems("budget: {max_usd: -1}").map(\.keyPath) == ["budget.max_usd"])
        #expect(problems("budget: {daily_usd: 0}").isEmpty, "0 is a valid (strict) budget")
        #expect(problems("budget: {dayly_usd: 5}").map(\.code) == ["spec.unknown_key"])
    }

    @Test func checkFlagsADailyBudgetOnAnUnpricedModel() async throws {
        try await withTemporaryDirectory { dir in
            let root = SluiceRoot(path: dir)
            try root.addPipeline("priced", yaml: validSpec + "\nbudget: {daily_usd: 5}\n")
            try root.addPipeline(
                "unpriced",
                yaml: validSpec.replacingOccurrences(of: "gpt-4o-mini", with: "my-finetune")
                    + "\nbudget:\n  max_usd: 1\n  daily_usd: 5\n"
            )
            try FileManager.default.copyItem(
                atPath: repositoryRoot + "/pipelines/prices.yaml",
                toPath: root.paths.pipelines + "/prices.yaml"
            )
            let report = SpecCheck.run(paths: root.paths)
            #expect(!report.ok)
            let file = root.paths.spec("unpriced")
            let flagged = report.lines.filter { $0.hasPrefix(file + ":") }
            #expect(flagged.count == 2, "\(report.lines)")
            #expect(flagged.contains { $0.hasPrefix("\(file):23: budget.max_usd: model 'my-finetune' has no price") })
            #expect(flagged.contains { $0.hasPrefix("\(file):24: budget.daily_usd: model 'my-finetune' has no price") })
            #expect(report.lines.last == "2 of 2 spec(s) valid, 2 problem(s)")
        }
    }
}
