import Foundation
import SluiceJSON
import SluiceTesting
import Testing

@testable import SluiceCore

/// `sluice cancel` and `sluice retry`: the outcome rewrite, the choice of rows to retry, and the requests in state.
@Suite struct ControlTests {
    static let now = Date(timeIntervalSince1970: 1_796_090_000)

    func outcomes(_ path: String, _ lines: [(Int, Result<JSONValue, RowFailure>)], round: Int = 1) throws {
        let writer = try OutcomeWriter(path: path)
        for (row, output) in lines {
            try writer.append(row: row, attempts: round, output: output, raw: nil, usage: .init(input: 3, output: 2))
        }
        try writer.finish()
    }

    static let transient = RowFailure(category: .transient, code: "provider.batch_cancelled", message: "not run")
    static let refused = RowFailure(category: .permanent, code: "provider.invalid_request", message: "bad")
    static let invalid = RowFailure(category: .schema, code: "schema.enum", message: "no")

    @Test func cancellingRewritesOnlyFailuresARoundWouldResendAndIsRepeatable() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/outcomes-1.jsonl"
            try outcomes(path, [(1, .success(["a": 1])), (2, .failure(Self.transient)), (3, .failure(Self.refused))])
            let failure = CancelledOutcomes.failure(requestedAt: Self.now, batch: "batch_x")
            #expect(try CancelledOutcomes.rewrite(path: path, failure: failure) == 1)
            let once = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(try CancelledOutcomes.rewrite(path: path, failure: failure) == 0)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == once)

            let index = try OutcomeIndex(path: path)
            #expect(try index.outcome(row: 1)?.output == .success(["a": 1]))
            guard case .failure(let cancelled)? = try index.outcome(row: 2)?.output else {
                Issue.record("row 2 is not a failure")
                return
            }
            #expect(cancelled.code == "batch.cancelled" && cancelled.category == .permanent)
            #expect(cancelled.kind == .withdrawn && !cancelled.kind.retryable)
            #expect(cancelled.message.hasPrefix("cancelled by `sluice cancel` at 2026-"))
            #expect(cancelled.message.contains("batch batch_x was cancelled"))
            #expect(try index.outcome(row: 2)?.usage?.input == 3)
            #expect(try index.outcome(row: 3)?.output == .failure(Self.refused))
            // Read back from JSON, the code still gives the kind: failures.jsonl and a resumed run agree.
            #expect(RowFailure(json: cancelled.json)?.kind == .withdrawn)
        }
    }

    @Test func anUnsentChunkFailsEveryRowItHolds() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/outcomes-2.jsonl"
            try CancelledOutcomes.writeUnsent(
                path: path, rows: [4, 6, 7], failure: CancelledOutcomes.failure(requestedAt: Self.now, batch: nil))
            let index = try OutcomeIndex(path: path)
            #expect(index.count == 3)
            #expect(try index.outcome(row: 5) == nil)
            guard case .failure(let failure)? = try index.outcome(row: 6)?.output else {
                Issue.record("row 6 is not a failure")
                return
            }
            #expect(failure.message.contains("the file was cancelled"))
        }
    }

    @Test func retryChoosesRowsByTheirLatestOutcomeAndCategory() async throws {
        try await withTemporaryDirectory { dir in
            try outcomes(
                dir + "/outcomes-1.jsonl",
                [
                    (1, .success(["a": 1])), (2, .failure(Self.invalid)), (3, .failure(Self.transient)),
                    (5, .failure(Self.refused)),
                ])
            // Round 2 sent rows 2 and 3 again: 2 now answered, 3 still failing.
            try outcomes(dir + "/outcomes-2.jsonl", [(2, .success(["a": 2])), (3, .failure(Self.invalid))], round: 2)
            let spans: [(span: OutcomeLayers.Span, round: Int)] = [
                (.init(firstRow: 1, lastRow: 5, outcomes: dir + "/outcomes-1.jsonl"), 1),
                (.init(firstRow: 2, lastRow: 3, outcomes: dir + "/outcomes-2.jsonl"), 2),
            ]
            let all = try RetrySelection.rows(spans: spans, categories: Set(RetrySelection.defaultCategories))
            #expect(all.rows == [3, 5])
            #expect(all.failedByCategory == ["schema": 1, "permanent": 1])
            #expect(try RetrySelection.rows(spans: spans, categories: [.schema]).rows == [3])
            #expect(try RetrySelection.rows(spans: spans, categories: [.transient]).rows.isEmpty)
        }
    }

    func drop(_ store: StateStore, stage: DropStage, name: String = "t.csv") async throws -> DropRecord {
        var drop = DropRecord(
            key: DropRecord.newKey(), origin: .inbox, pipeline: "tickets", sourceName: name, sourcePath: "/x/" + name,
            sha256: name, bytes: 1, specSHA256: "s", specText: nil, receivedAt: Self.now)
        drop.stage = stage
        return try await store.insertDrop(drop)
    }

    @Test func aCancelReleasesAHeldFileOnceAndRefusesAFinishedOne() async throws {
        try await withTemporaryDirectory { dir in
            let store = try StateStore(path: dir + "/state.sqlite")
            let held = try await drop(store, stage: .awaitingApproval)
            #expect(try await store.requestCancel(dropID: held.id!, now: Self.now) == .recorded(.awaitingApproval))
            #expect(try await store.drop(id: held.id!)?.stage == .staged)
            #expect(try await store.requestCancel(dropID: held.id!, now: Self.now) == .alreadyRequested)
            #expect(try await store.cancelRequests(dropID: held.id!).count == 1)
            #expect(try await store.controlledDrops() == [held.id!])

            let done = try await drop(store, stage: .archived, name: "d.csv")
            await #expect(throws: ControlError.self) { try await store.requestCancel(dropID: done.id!, now: Self.now) }
            #expect(try await store.cancelRequests(dropID: done.id!).isEmpty)
        }
    }

    @Test func aRetryReopensAnArchivedDropAndNumbersTheGeneration() async throws {
        try await withTemporaryDirectory { dir in
            let store = try StateStore(path: dir + "/state.sqlite")
            var archived = try await drop(store, stage: .archived)
            archived.writtenAt = Self.now
            let id = archived.id!
            try await store.updateDrop(id: id) { $0.writtenAt = Self.now }
            #expect(try await store.requestRetry(drop: archived, categories: [.schema], now: Self.now) == 2)
            #expect(try await store.drop(id: id)?.stage == .staged)
            let pending = try #require(try await store.pendingRetry(dropID: id))
            #expect(pending.categorySet == [.schema])
            #expect(pending.previousManifest?.generation == 1)
            #expect(pending.previousManifest?.writtenAt == Self.now.formatted(.iso8601))
            // Not finished any more: a second retry is refused until this one has written its manifest.
            let reopened = try #require(try await store.drop(id: id))
            await #expect(throws: ControlError.self) {
                try await store.requestRetry(drop: reopened, categories: [.schema], now: Self.now)
            }
            // A file cancelled, then finished: retrying it clears the cancel, or the round would stop before it went.
            let cancelled = try await drop(store, stage: .staged, name: "c.csv")
            _ = try await store.requestCancel(dropID: cancelled.id!, now: Self.now)
            try await store.updateDrop(id: cancelled.id!) { $0.stage = .archived }
            let finished = try #require(try await store.drop(id: cancelled.id!))
            try await store.requestRetry(drop: finished, categories: [.permanent], now: Self.now)
            #expect(try await store.cancelRequests(dropID: cancelled.id!).isEmpty)
            let rejected = try await drop(store, stage: .rejected, name: "r.csv")
            await #expect(throws: ControlError.self) {
                try await store.requestRetry(drop: rejected, categories: [.schema], now: Self.now)
            }
        }
    }
}
