import Foundation
import SluiceJSON

/// One pipeline's spending on one UTC day, with its daily budget: a line of `sluice status`.
public struct SpendLine: Sendable {
    public var totals: SpendRecord
    /// The pipeline's `budget.daily_usd` as its spec says now; nil when it has none.
    public var dailyBudgetUSD: Double?

    /// The lines of the UTC days from `since`'s to `now`'s, plus today's line of every pipeline with a daily
    /// budget (zero when it spent nothing yet).
    static func load(
        store: StateStore,
        since: Date,
        budgets: [String: BudgetSettings],
        now: Date
    ) async throws
        -> [SpendLine]
    {
        let today = SpendDay.of(now)
        var rows = try await store.spend(since: min(SpendDay.of(since), today))
        for (pipeline, budget) in budgets where budget.dailyUSD != nil {
            if !rows.contains(where: { $0.pipeline == pipeline && $0.day == today }) {
                rows.append(SpendRecord(pipeline: pipeline, day: today))
            }
        }
        rows.sort { ($0.day, $1.pipeline) > ($1.day, $0.pipeline) }
        return rows.map { SpendLine(totals: $0, dailyBudgetUSD: budgets[$0.pipeline]?.dailyUSD) }
    }

    /// The `--json` object; keys are only ever added.
    public var json: JSONValue {
        let t = totals
        return [
            "pipeline": .string(t.pipeline), "day": .string(t.day),
            "usd_actual": .double(USD.rounded(t.actualUSD)), "usd_reserved": .double(USD.rounded(t.reservedUSD)),
            "budget_daily_usd": dailyBudgetUSD.map(JSONValue.double) ?? .null,
            "input_tokens": .int(t.inputTokens), "output_tokens": .int(t.outputTokens), "requests": .int(t.requests),
            "files": .int(t.files), "unpriced_files": .int(t.unpricedFiles),
        ]
    }
}

extension StatusReport {
    /// Why a file is held, under which key, and the figures.
    static func holdJSON(_ reason: String, _ spend: DropSpendRecord) -> JSONValue {
        [
            "reason": .string(reason), "limit": spend.holdLimit.map { .string($0.key) } ?? .null,
            "limit_usd": spend.holdLimitUSD.map(JSONValue.double) ?? .null,
            "estimated_usd": spend.estimatedUSD.map { .double(USD.rounded($0)) } ?? .null,
        ]
    }

    /// A file's estimate, reservation and actual cost, and the day they count against.
    static func spendJSON(_ spend: DropSpendRecord) -> JSONValue {
        func usd(_ value: Double?) -> JSONValue { value.map { .double(USD.rounded($0)) } ?? .null }
        return [
            "day": spend.day.map(JSONValue.string) ?? .null, "usd_estimated": usd(spend.estimatedUSD),
            "usd_reserved": spend.isSettled ? .double(0) : usd(spend.reservedUSD), "usd_actual": usd(spend.actualUSD),
            "approved_at": spend.approvedAt.map { .string(timestamp($0)) } ?? .null,
        ]
    }
}
