import Foundation

/// Which budget key holds a file back.
public enum BudgetLimit: String, Sendable, Codable, Equatable {
    /// `budget.max_usd`: the most one file may cost.
    case maxUSD = "max_usd"
    /// `budget.daily_usd`: the most a pipeline may spend (actual plus reserved) in one UTC day.
    case dailyUSD = "daily_usd"

    /// The spec key, as users write it.
    public var key: String { "budget." + rawValue }
}

/// Why a file is held before anything of it is sent, with the figures.
public struct BudgetHold: Sendable, Equatable {
    public var limit: BudgetLimit
    public var limitUSD: Double
    /// The file's estimate; nil when it cannot be priced.
    public var estimatedUSD: Double?
    /// What the pipeline had spent and reserved on `day` before this file (daily holds).
    public var spentTodayUSD: Double
    /// The UTC day the figures are for (`2026-12-01`).
    public var day: String
    /// The sentence shown in `sluice status`, the log and `sluice process`.
    public var reason: String
}

/// `budget.max_usd` and `budget.daily_usd` applied to a file's estimate: whether it may be submitted.
public struct BudgetRule: Sendable {
    public var maxUSD: Double?
    public var dailyUSD: Double?

    public init(maxUSD: Double?, dailyUSD: Double?) {
        self.maxUSD = maxUSD
        self.dailyUSD = dailyUSD
    }

    public init(_ settings: BudgetSettings) {
        self.init(maxUSD: settings.maxUSD, dailyUSD: settings.dailyUSD)
    }

    /// True when no budget is set: every file goes.
    public var isUnlimited: Bool { maxUSD == nil && dailyUSD == nil }

    /// The hold for a file estimated at `estimate` when its pipeline has spent and reserved `spentToday` on
    /// `day`; nil when it fits. `approve` says how to let it go (e.g. "approve with `sluice approve x.csv`").
    ///
    /// `max_usd` is judged first: a new day does not help a file over it. A file that cannot be priced is held
    /// under any budget, since the budget cannot be checked.
    public func hold(for estimate: SpendEstimate, spentToday: Double, day: String, approve: String) -> BudgetHold? {
        hold(estimatedUSD: estimate.usd, summary: estimate.summary, spentToday: spentToday, day: day, approve: approve)
    }

    /// The same, from an estimate's figure (nil: no price) and its `SpendEstimate.summary`, as stored with a drop.
    public func hold(
        estimatedUSD: Double?,
        summary: String,
        spentToday: Double,
        day: String,
        approve: String
    )
        -> BudgetHold?
    {
        guard let usd = estimatedUSD else {
            guard let (limit, value) = maxUSD.map({ (BudgetLimit.maxUSD, $0) }) ?? dailyUSD.map({ (.dailyUSD, $0) })
            else { return nil }
            return BudgetHold(
                limit: limit,
                limitUSD: value,
                estimatedUSD: nil,
                spentTodayUSD: spentToday,
                day: day,
                reason: "\(summary): \(limit.key) \(USD.text(value)) cannot be checked without a price; "
                    + approve
            )
        }
        if let maxUSD, usd > maxUSD {
            return BudgetHold(
                limit: .maxUSD,
                limitUSD: maxUSD,
                estimatedUSD: usd,
                spentTodayUSD: spentToday,
                day: day,
                reason: "\(summary) exceeds budget.max_usd \(USD.text(maxUSD)); \(approve)"
            )
        }
        if let dailyUSD, spentToday + usd > dailyUSD {
            return BudgetHold(
                limit: .dailyUSD,
                limitUSD: dailyUSD,
                estimatedUSD: usd,
                spentTodayUSD: spentToday,
                day: day,
                reason: "\(summary) on top of \(USD.text(spentToday)) spent and reserved on \(day) (UTC) "
                    + "exceeds budget.daily_usd \(USD.text(dailyUSD)); \(approve), or it goes on by itself on a "
                    + "later UTC day whose budget it fits"
            )
        }
        return nil
    }
}
