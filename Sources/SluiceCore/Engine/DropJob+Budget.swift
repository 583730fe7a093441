import Foundation
import Logging

extension DropJob {
    // MARK: staged → submitting within budget, or staged → awaiting-approval (→ staged when approved)

    /// Whether the drop may be sent now.
    ///
    /// Before its first chunk is submitted, the drop's cost is estimated from its own staged chunks (the
    /// measure `sluice estimate` uses, every answer at the expected output size, at the rates the pipeline
    /// pays) and judged against `budget.max_usd` and what the pipeline spent and reserved today against
    /// `budget.daily_usd`; the estimate is reserved against the day in the same transaction. A drop over budget
    /// moves to `awaiting-approval` and nothing of it is sent. Once reserved, a drop is never judged again (retry
    /// rounds, the chunks after a canary and a resumed run go on). A held drop is judged again each time its job
    /// runs: approved, or on a new UTC day with room, it goes on.
    func budgetAllows(_ drop: DropRecord) async throws -> Bool {
        // A collection carries files each judged (and reserved) on their own.
        if drop.origin == .collection { return true }
        let record = try await store.dropSpend(dropID: dropID)
        if record?.isReserved == true { return true }
        let items = try await store.progress(dropID: dropID)
        // A drop already being sent when budgets came in is not stopped half-way; its spending still counts.
        let started = items.contains { $0.batch != nil }
        let estimate = try await spendEstimate(items, stored: record)
        let now = environment.wallClock()
        let day = SpendDay.of(now)
        let rule = BudgetRule(spec.budget)
        let approve = approvalHint(drop)
        let outcome = try await store.reserveOrHold(
            dropID: dropID,
            pipeline: spec.name,
            day: day,
            estimatedUSD: estimate.usd,
            estimate: estimate.summary,
            now: now,
            notifyHeld: holdNotifications(drop)
        ) { committed in
            started
                ? nil
                : rule.hold(
                    estimatedUSD: estimate.usd,
                    summary: estimate.summary,
                    spentToday: committed,
                    day: day,
                    approve: approve
                )
        }
        switch outcome {
        case .reserved:
            if drop.stage == .awaitingApproval {
                log.notice("released for sending", metadata: ["estimate": "\(estimate.summary)"])
            } else {
                log.info("estimate reserved against today's spending", metadata: ["estimate": "\(estimate.summary)"])
            }
            return true
        case .held(let hold):
            if record?.hold != hold.reason {
                log.event(.held, level: .notice, ["reason": "\(hold.reason)"])
            }
            progress(.held(reason: hold.reason))
            return false
        }
    }

    /// The estimate stored with the drop, or (first time, or without a price then) measured from its chunks.
    private func spendEstimate(
        _ items: [ChunkProgress],
        stored: DropSpendRecord?
    ) async throws
        -> (usd: Double?, summary: String)
    {
        if let stored, let summary = stored.estimate, let usd = stored.estimatedUSD { return (usd, summary) }
        let price = PriceLookup.find(model: spec.model, paths: paths)
        let spec = self.spec
        let format = provider.wireFormat
        let chunks = items.filter { $0.chunk.round == 1 }.map(\.chunk)
        let calibration = try await store.calibration(pipeline: spec.name, model: spec.model)
        let estimate = try await Blocking.run("sluice-estimate") {
            try SpendEstimate.of(
                chunks: chunks, spec: spec, wireFormat: format, price: price, calibration: calibration)
        }
        return (estimate.usd, estimate.summary)
    }

    /// How to let the drop go, as the hold reason says it.
    private func approvalHint(_ drop: DropRecord) -> String {
        let command = "`sluice approve \(drop.sourceName)`"
        switch drop.origin {
        case .inbox:
            return "approve with \(command) or a file \(drop.sourceName).approve in inbox/\(spec.name)/"
        case .process:
            return "approve with \(command), then run `sluice process` again"
        case .collection:
            return "approve the files it carries"
        }
    }
}
