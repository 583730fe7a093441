import Foundation
import SluiceJSON
import Testing

@testable import SluiceCore

/// The manifest's `cost`, the budget estimate and the budget rule: the arithmetic.
@Suite struct DropCostTests {
    static let mini = ModelPrice(realtime: .init(input: 0.15, output: 0.60), batch: .init(input: 0.075, output: 0.30))
    static let known = PriceLookup(price: mini, asOf: "2025-11-01", missing: nil)
    static let unknown = PriceLookup(
        price: nil,
        asOf: "2025-11-01",
        missing: "model 'mine' has no price in pipelines/prices.yaml"
    )

    @Test func batchUsageIsPricedAtBatchRatesAndSavesTheDifference() {
        let cost = DropCost.priced(
            inputTokens: 484_641,
            outputTokens: 42_544,
            price: Self.known,
            basis: .batch,
            estimatedUSD: 0.063372
        )
        let actual = (484_641 * 0.075 + 42_544 * 0.30) / 1e6
        let realtime = (484_641 * 0.15 + 42_544 * 0.60) / 1e6
        #expect(abs(cost.actualUSD! - actual) < 1e-12)
        #expect(abs(cost.realtimeEquivalentUSD! - realtime) < 1e-12)
        #expect(abs(cost.savingUSD! - (realtime - actual)) < 1e-12)
        let json = cost.json
        #expect(json["usd_actual"]?.numberValue == 0.049111)
        #expect(json["usd_realtime_equivalent"]?.numberValue == 0.098223)
        #expect(json["saving_usd"]?.numberValue == 0.049111)
        #expect(json["usd_estimated"]?.numberValue == 0.063372)
        #expect(json["price_known"] == .bool(true))
        #expect(json["basis"] == "batch")
        #expect(json["prices_as_of"] == "2025-11-01")
        #expect(json["note"] == nil)
    }

    @Test func aRealtimePipelinePaysRealtimeAndSavesNothing() {
        let cost = DropCost.priced(
            inputTokens: 1_000_000,
            outputTokens: 100_000,
            price: Self.known,
            basis: .realtime,
            estimatedUSD: nil
        )
        #expect(cost.actualUSD == 0.15 + 0.06)
        #expect(cost.realtimeEquivalentUSD == cost.actualUSD)
        #expect(cost.savingUSD == 0)
        #expect(cost.json["usd_estimated"] == .null)
    }

    @Test func anUnknownPriceGivesNullsAndSaysWhy() {
        let cost = DropCost.priced(
            inputTokens: 10,
            outputTokens: 10,
            price: Self.unknown,
            basis: .batch,
            estimatedUSD: 1
        )
        let json = cost.json
        for key in ["usd_estimated", "usd_actual", "usd_realtime_equivalent", "saving_usd"] {
            #expect(json[key] == .null, "\(key)")
        }
        #expect(json["price_known"] == .bool(false))
        #expect(json["note"]?.stringValue == "cost unknown: model 'mine' has no price in pipelines/prices.yaml")
    }

    @Test func aFileThatSentNothingCostsNothing() {
        let cost = DropCost.nothingSent(basis: .batch, price: Self.unknown, note: "results reused")
        #expect(cost.actualUSD == 0 && cost.estimatedUSD == 0 && cost.realtimeEquivalentUSD == 0 && cost.savingUSD == 0)
        #expect(cost.json["note"] == "results reused")
    }

    @Test func thePriceBasisFollowsTheProvider() throws {
        func basis(_ provider: String) throws -> PriceBasis {
            let yaml = validSpec.replacingOccurrences(of: "provider: local", with: provider)
            return try SpecLoader.parse(yaml: yaml, name: "t", file: "t.yaml").priceBasis
        }
        #expect(try basis("provider: local") == .batch)
        #expect(try basis("provider: local\nprotocol: anthropic") == .batch)
        #expect(try basis("provider: local\nprotocol: realtime") == .realtime)
        #expect(try basis("provider: realtime\nbase_url: http://127.0.0.1:1/v1") == .realtime)
        #expect(try basis("provider: openai") == .batch)
    }

    static func estimate(_ price: PriceLookup, requests: Int = 2_000, input: Int = 564_964) -> SpendEstimate {
        var output = OutputEstimate(spec: try! SpecLoader.parse(yaml: validSpec, name: "t", file: "t.yaml"))
        output.expected = 35
        output.basis = .schema
        var measure = ChunkTokens.Measure()
        measure.requests = requests
        measure.inputTokens = input
        return SpendEstimate(measure: measure, output: output, basis: .batch, price: price)
    }

    @Test func theEstimateTakesEveryAnswerAtTheExpectedSize() {
        let estimate = Self.estimate(Self.known)
        #expect(estimate.outputTokens == 70_000)
        #expect(abs(estimate.usd! - (564_964 * 0.075 + 70_000 * 0.30) / 1e6) < 1e-12)
        #expect(
            estimate.summary
                == "estimated $0.0634 at batch prices (2,000 requests: ~564,964 input tokens, ~70,000 output tokens "
                + "at 35 a request, a typical answer of the schema)"
        )
        #expect(Self.estimate(Self.unknown).usd == nil)
        #expect(Self.estimate(Self.unknown).summary.hasPrefix("cost unknown (model 'mine' has no price"))
    }

    @Test func maxUSDIsJudgedFirstThenTheDay() throws {
        let estimate = Self.estimate(Self.known)  // $0.063372
        let approve = "approve with `sluice approve t.csv`"
        #expect(
            BudgetRule(maxUSD: nil, dailyUSD: nil).hold(for: estimate, spentToday: 99, day: "d", approve: approve)
                == nil
        )
        #expect(
            BudgetRule(maxUSD: 0.07, dailyUSD: 0.1).hold(for: estimate, spentToday: 0.03, day: "d", approve: approve)
                == nil
        )
        #expect(
            BudgetRule(maxUSD: estimate.usd!, dailyUSD: nil).hold(
                for: estimate,
                spentToday: 0,
                day: "d",
                approve: approve
            ) == nil,
            "exactly the budget fits"
        )

        let overFile = try #require(
            BudgetRule(maxUSD: 0.05, dailyUSD: 0.01).hold(
                for: estimate,
                spentToday: 1,
                day: "2026-12-01",
                approve: approve
            )
        )
        #expect(overFile.limit == .maxUSD && overFile.limitUSD == 0.05)
        #expect(overFile.reason == estimate.summary + " exceeds budget.max_usd $0.0500; " + approve)

        let overDay = try #require(
            BudgetRule(maxUSD: 1, dailyUSD: 0.1).hold(
                for: estimate,
                spentToday: 0.04,
                day: "2026-12-01",
                approve: approve
            )
        )
        #expect(overDay.limit == .dailyUSD && overDay.limitUSD == 0.1 && overDay.spentTodayUSD == 0.04)
        #expect(overDay.estimatedUSD == estimate.usd)
        #expect(
            overDay.reason.hasPrefix(
                estimate.summary + " on top of $0.0400 spent and reserved on 2026-12-01 (UTC) exceeds budget.daily_usd "
                    + "$0.1000; " + approve
            )
        )
    }

    @Test func aFileWithoutAPriceIsHeldOnlyUnderABudget() throws {
        let estimate = Self.estimate(Self.unknown)
        #expect(
            BudgetRule(maxUSD: nil, dailyUSD: nil).hold(for: estimate, spentToday: 0, day: "d", approve: "a") == nil
        )
        let hold = try #require(
            BudgetRule(maxUSD: nil, dailyUSD: 5).hold(for: estimate, spentToday: 0, day: "d", approve: "a")
        )
        #expect(hold.limit == .dailyUSD && hold.estimatedUSD == nil)
        #expect(hold.reason.contains("budget.daily_usd $5.00 cannot be checked without a price"))
    }

    @Test func usdTextAndUTCDays() {
        #expect(USD.text(12.4) == "$12.40")
        #expect(USD.text(0.06337) == "$0.0634")
        #expect(SpendDay.of(Date(timeIntervalSince1970: 1_796_083_199)) == "2026-11-30")  // 23:59:59 UTC
        #expect(SpendDay.of(Date(timeIntervalSince1970: 1_796_083_200)) == "2026-12-01")  // 00:00:00 UTC
    }
}
