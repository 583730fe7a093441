import Foundation
import SluiceTesting
import Testing

@testable import SluiceCore

/// Reservation, hold, approval and settlement in the state database, across restarts (a reopened database).
@Suite struct SpendStoreTests {
    static let day = "2026-12-01"
    static let now = Date(timeIntervalSince1970: 1_796_090_000)

    func withStore(_ body: (String, StateStore) async throws -> Void) async throws {
        try await withTemporaryDirectory { dir in
            try await body(dir + "/state.sqlite", try StateStore(path: dir + "/state.sqlite"))
        }
    }

    func stagedDrop(_ store: StateStore, name: String = "t.csv") async throws -> Int64 {
        var drop = DropRecord(
            key: DropRecord.newKey(),
            origin: .inbox,
            pipeline: "tickets",
            sourceName: name,
            sourcePath: "/x/" + name,
            sha256: name,
            bytes: 1,
            specSHA256: "s",
            specText: nil,
            receivedAt: Self.now
        )
        drop.stage = .staged
        return try await store.insertDrop(drop).id!
    }

    func reserve(
        _ store: StateStore,
        _ id: Int64,
        _ usd: Double,
        daily: Double? = nil
    ) async throws -> ReservationOutcome {
        try await store.reserveOrHold(
            dropID: id,
            pipeline: "tickets",
            day: Self.day,
            estimatedUSD: usd,
            estimate: "estimated \(usd)",
            now: Self.now
        ) { committed in
            BudgetRule(maxUSD: nil, dailyUSD: daily).hold(
                estimatedUSD: usd,
                summary: "estimated \(usd)",
                spentToday: committed,
                day: Self.day,
                approve: "approve"
            )
        }
    }

    @Test func aReservationCountsOnceAndSettlementReplacesIt() async throws {
        try await withStore { path, store in
            let id = try await stagedDrop(store)
            #expect(try await reserve(store, id, 0.25) == .reserved)
            #expect(try await reserve(store, id, 0.25) == .reserved, "a resumed drop is not reserved again")
            var totals = try await store.spend(pipeline: "tickets", day: Self.day)
            #expect(totals.reservedUSD == 0.25 && totals.actualUSD == 0 && totals.files == 0)

            // A restart between reservation and settlement: the reservation is still there, once.
            let reopened = try StateStore(path: path)
            #expect(try await reserve(reopened, id, 0.25) == .reserved)
            #expect(try await reopened.spend(pipeline: "tickets", day: Self.day).reservedUSD == 0.25)

            try await reopened.settleSpend(
                dropID: id,
                pipeline: "tickets",
                actualUSD: 0.2,
                inputTokens: 1000,
                outputTokens: 50,
                requests: 10,
                now: Self.now.addingTimeInterval(86_400)
            )
            // The manifest written again after a crash settles nothing twice.
            let again = try StateStore(path: path)
            let record = try await again.settleSpend(
                dropID: id,
                pipeline: "tickets",
                actualUSD: 0.2,
                inputTokens: 1000,
                outputTokens: 50,
                requests: 10,
                now: Self.now.addingTimeInterval(90_000)
            )
            #expect(record.actualUSD == 0.2 && record.day == Self.day && record.reservedUSD == 0.25)
            totals = try await again.spend(pipeline: "tickets", day: Self.day)
            #expect(totals.reservedUSD == 0, "settled against the day it was reserved, not the day it finished")
            #expect(totals.actualUSD == 0.2 && totals.inputTokens == 1000 && totals.outputTokens == 50)
            #expect(totals.requests == 10 && totals.files == 1 && totals.unpricedFiles == 0)
            #expect(try await again.spend(since: "2026-12-02").isEmpty)
        }
    }

    @Test func theDailyBudgetSeesWhatIsReservedAndAHoldSurvivesARestart() async throws {
        try await withStore { path, store in
            let first = try await stagedDrop(store, name: "a.csv")
            let second = try await stagedDrop(store, name: "b.csv")
            #expect(try await reserve(store, first, 0.6, daily: 1) == .reserved)
            guard case .held(let hold) = try await reserve(store, second, 0.6, daily: 1) else {
                Issue.record("the second file fits a budget the first one's reservation took")
                return
            }
            #expect(hold.limit == .dailyUSD && hold.spentTodayUSD == 0.6)

            let reopened = try StateStore(path: path)
            #expect(try await reopened.drop(id: second)?.stage == .awaitingApproval)
            let held = try #require(try await reopened.dropSpend(dropID: second))
            #expect(held.hold == hold.reason && held.holdLimit == .dailyUSD && held.holdLimitUSD == 1)
            #expect(held.estimatedUSD == 0.6 && !held.isReserved)
            #expect(
                try await reopened.spend(pipeline: "tickets", day: Self.day).reservedUSD == 0.6,
                "a hold reserves nothing"
            )

            // Approval is recorded and survives a restart; the approved file is reserved even over the budget.
            #expect(try await reopened.approve(dropID: second, now: Self.now) == .released)
            #expect(try await reopened.drop(id: second)?.stage == .staged)
            let afterRestart = try StateStore(path: path)
            #expect(try await afterRestart.approve(dropID: second, now: Self.now) == .alreadyApproved)
            #expect(try await reserve(afterRestart, second, 0.6, daily: 1) == .reserved)
            let totals = try await afterRestart.spend(pipeline: "tickets", day: Self.day)
            #expect(abs(totals.reservedUSD - 1.2) < 1e-12, "an approved file over the daily budget still counts")
            #expect(try await afterRestart.dropSpend(dropID: second)?.hold == nil)
        }
    }

    @Test func approvalBeforeTheCheckAndAfterItStarted() async throws {
        try await withStore { _, store in
            let early = try await stagedDrop(store, name: "early.csv")
            #expect(try await store.approve(dropID: early, now: Self.now) == .approvedInAdvance)
            #expect(try await reserve(store, early, 5, daily: 1) == .reserved, "approved in advance: not held")

            let sending = try await stagedDrop(store, name: "sending.csv")
            #expect(try await reserve(store, sending, 0.1) == .reserved)
            try await store.updateDrop(id: sending) { $0.stage = .submitted }
            #expect(try await store.approve(dropID: sending, now: Self.now) == .notHeld(.submitted))
        }
    }

    @Test func anUnpricedFileAddsTokensButNoDollars() async throws {
        try await withStore { _, store in
            let id = try await stagedDrop(store)
            #expect(
                try await store.reserveOrHold(
                    dropID: id,
                    pipeline: "tickets",
                    day: Self.day,
                    estimatedUSD: nil,
                    estimate: "cost unknown",
                    now: Self.now
                ) { _ in nil } == .reserved
            )
            try await store.settleSpend(
                dropID: id,
                pipeline: "tickets",
                actualUSD: nil,
                inputTokens: 7,
                outputTokens: 3,
                requests: 1,
                now: Self.now
            )
            let totals = try await store.spend(pipeline: "tickets", day: Self.day)
            #expect(
                totals.actualUSD == 0 && totals.reservedUSD == 0 && totals.unpricedFiles == 1 && totals.inputTokens == 7
            )
        }
    }
}
