import Foundation
import GRDB

/// How a budget check ended.
public enum ReservationOutcome: Sendable, Equatable {
    /// The estimate is reserved against the day (now, or by an earlier run: never twice).
    case reserved
    /// Held: the drop is `awaiting-approval` and nothing may be sent for it.
    case held(BudgetHold)
}

/// What `approve` did to a drop.
public enum ApprovalOutcome: Sendable, Equatable {
    /// It was held: it is `staged` again and will be sent.
    case released
    /// It has not reached the budget check yet (`claimed`, `staged`): it will not be held.
    case approvedInAdvance
    /// It was approved before.
    case alreadyApproved
    /// It is past the budget check (being sent, or finished): there is nothing to approve.
    case notHeld(DropStage)
}

extension StateStore {
    /// The drop's spending record, if it has one yet.
    public func dropSpend(dropID: Int64) async throws -> DropSpendRecord? {
        try await queue.read { db in try DropSpendRecord.fetchOne(db, key: dropID) }
    }

    /// Spending records of the drops `ids`, by drop id.
    public func dropSpends(ids: [Int64]) async throws -> [Int64: DropSpendRecord] {
        try await queue.read { db in
            let rows = try DropSpendRecord.filter(ids.contains(Column("dropID"))).fetchAll(db)
            return Dictionary(uniqueKeysWithValues: rows.map { ($0.dropID, $0) })
        }
    }

    /// The stages of the drops `ids` (for the daemon's look at its held files: one read for all of them).
    public func stages(of ids: [Int64]) async throws -> [Int64: DropStage] {
        try await queue.read { db in
            let drops = try DropRecord.filter(ids.contains(Column("id"))).fetchAll(db)
            return Dictionary(uniqueKeysWithValues: drops.map { ($0.id!, $0.stage) })
        }
    }

    /// The totals of `pipeline` on `day` (zero when nothing was spent).
    public func spend(pipeline: String, day: String) async throws -> SpendRecord {
        try await queue.read { db in
            try SpendRecord.fetchOne(db, key: ["pipeline": pipeline, "day": day])
                ?? SpendRecord(pipeline: pipeline, day: day)
        }
    }

    /// Every pipeline's totals on `day` and later, newest day first.
    public func spend(since day: String) async throws -> [SpendRecord] {
        try await queue.read { db in
            try SpendRecord.filter(Column("day") >= day).order(Column("day").desc, Column("pipeline")).fetchAll(db)
        }
    }

    /// Records the budget decision for a drop about to be sent, in one transaction: the day's totals are read,
    /// `decide` judges the estimate against them, and the estimate is either reserved (the drop goes on) or the
    /// drop moves to `awaiting-approval`. One IMMEDIATE transaction, so two files submitted at once cannot both
    /// take the last of a day's budget; a drop reserved before (a resumed run) is never reserved again. An
    /// approved drop is reserved whatever `decide` says: its spending still counts.
    public func reserveOrHold(
        dropID: Int64,
        pipeline: String,
        day: String,
        estimatedUSD: Double?,
        estimate: String,
        now: Date,
        notifyHeld: @escaping @Sendable (BudgetHold) -> [NotificationRecord] = { _ in [] },
        decide: @escaping @Sendable (_ committedToday: Double) -> BudgetHold?
    ) async throws -> ReservationOutcome {
        try await queue.write { db in
            guard var drop = try DropRecord.fetchOne(db, key: dropID) else {
                throw EngineError(code: "state.drop_missing", message: "drop \(dropID) is not in the state database")
            }
            var record =
                try DropSpendRecord.fetchOne(db, key: dropID) ?? DropSpendRecord(dropID: dropID, pipeline: pipeline)
            if record.isReserved { return .reserved }
            var totals =
                try SpendRecord.fetchOne(db, key: ["pipeline": pipeline, "day": day])
                ?? SpendRecord(pipeline: pipeline, day: day)
            record.estimatedUSD = estimatedUSD
            record.estimate = estimate
            if record.approvedAt == nil, let hold = decide(totals.committedUSD) {
                record.hold = hold.reason
                record.holdLimit = hold.limit
                record.holdLimitUSD = hold.limitUSD
                try record.save(db)
                if drop.stage != .awaitingApproval {
                    drop.stage = .awaitingApproval
                    drop.updatedAt = now
                    try drop.update(db)
                    try Self.enqueue(notifyHeld(hold), in: db)
                }
                return .held(hold)
            }
            record.hold = nil
            record.holdLimit = nil
            record.holdLimitUSD = nil
            record.day = day
            record.reservedUSD = estimatedUSD ?? 0
            totals.reservedUSD += estimatedUSD ?? 0
            try totals.save(db)
            try record.save(db)
            if drop.stage == .awaitingApproval {
                drop.stage = .staged
                drop.updatedAt = now
                try drop.update(db)
            }
            return .reserved
        }
    }

    /// Replaces the drop's reservation with its actual cost in its day's totals (the day it was reserved, else
    /// the day of `now`), once: a repeated call, e.g. a manifest written again after a crash, changes nothing.
    /// Returns the record as settled (by this call or the first one).
    @discardableResult
    public func settleSpend(
        dropID: Int64,
        pipeline: String,
        actualUSD: Double?,
        inputTokens: Int,
        outputTokens: Int,
        requests: Int,
        now: Date
    ) async throws -> DropSpendRecord {
        try await queue.write { db in
            var record =
                try DropSpendRecord.fetchOne(db, key: dropID) ?? DropSpendRecord(dropID: dropID, pipeline: pipeline)
            if record.isSettled { return record }
            let day = record.day ?? SpendDay.of(now)
            var totals =
                try SpendRecord.fetchOne(db, key: ["pipeline": pipeline, "day": day])
                ?? SpendRecord(pipeline: pipeline, day: day)
            totals.reservedUSD -= record.reservedUSD ?? 0
            // Sums and differences of estimates leave rounding dust; a day with nothing reserved shows 0.
            if abs(totals.reservedUSD) < 1e-9 { totals.reservedUSD = 0 }
            totals.actualUSD += actualUSD ?? 0
            totals.inputTokens += inputTokens
            totals.outputTokens += outputTokens
            totals.requests += requests
            totals.files += 1
            if actualUSD == nil { totals.unpricedFiles += 1 }
            record.day = day
            record.actualUSD = actualUSD
            record.settledAt = now
            try totals.save(db)
            try record.save(db)
            return record
        }
    }

    /// Approves a drop: a held one goes back to `staged` (one transaction), one not yet checked will not be held.
    public func approve(dropID: Int64, now: Date) async throws -> ApprovalOutcome {
        try await queue.write { db in
            guard var drop = try DropRecord.fetchOne(db, key: dropID) else {
                throw EngineError(code: "state.drop_missing", message: "drop \(dropID) is not in the state database")
            }
            var record =
                try DropSpendRecord.fetchOne(db, key: dropID)
                ?? DropSpendRecord(dropID: dropID, pipeline: drop.pipeline)
            let outcome: ApprovalOutcome
            if drop.stage == .awaitingApproval {
                outcome = .released
                drop.stage = .staged
                drop.updatedAt = now
                try drop.update(db)
            } else if record.approvedAt != nil {
                return .alreadyApproved
            } else if (drop.stage == .claimed || drop.stage == .staged) && !record.isReserved {
                outcome = .approvedInAdvance
            } else {
                return .notHeld(drop.stage)
            }
            record.approvedAt = now
            record.hold = nil
            record.holdLimit = nil
            record.holdLimitUSD = nil
            try record.save(db)
            return outcome
        }
    }
}
