import Foundation
import SluiceJSON

/// What `sluice status` shows: files in flight and recently finished, with their batches.
public struct StatusReport: Sendable {
    /// One file.
    public struct File: Sendable {
        public var drop: DropRecord
        public var progress: [ChunkProgress]
        /// Its estimate, hold, approval and spending, once it reached the budget check.
        public var spend: DropSpendRecord? = nil
        public var batches: [BatchRecord] { progress.compactMap(\.batch) }
        public var chunks: Int { progress.count }

        /// Rows with a known fate so far: from the manifest once written, from batch counts before.
        public var succeeded: Int { drop.succeeded ?? batches.reduce(0) { $0 + $1.succeeded } }
        public var failed: Int { drop.failed ?? batches.reduce(0) { $0 + $1.failed } }
        public var inFlight: Bool { !drop.isDone && drop.stage != .written }
    }

    public var files: [File]
    public var generatedAt: Date
    /// Spending per pipeline per UTC day, newest day first.
    public var spend: [SpendLine] = []
    /// Webhook deliveries: counts per state, the pending and abandoned ones.
    public var notifications = NotificationStatus()

    /// Reads drops in flight and those finished since `since`, and the spending of the days since then.
    /// `budgets` are the pipelines' current budgets (their specs): today's line is shown for every pipeline with a
    /// daily budget, spent or not.
    public static func load(
        store: StateStore, since: Date, limit: Int, budgets: [String: BudgetSettings] = [:], now: Date = Date()
    ) async throws -> StatusReport {
        let drops = try await store.drops(finishedSince: since, limit: limit)
        let spends = try await store.dropSpends(ids: drops.compactMap(\.id))
        let progress = try await store.progress(dropIDs: drops.compactMap(\.id))
        let files = drops.map { File(drop: $0, progress: progress[$0.id!] ?? [], spend: spends[$0.id!]) }
        var report = StatusReport(files: files, generatedAt: now)
        report.spend = try await SpendLine.load(store: store, since: since, budgets: budgets, now: now)
        report.notifications = try await NotificationStatus.load(store: store)
        return report
    }

    /// The stable JSON form (`sluice status --json`); keys are only ever added.
    public var json: JSONValue {
        .object([
            "generated_at": .string(Self.timestamp(generatedAt)),
            "files": .array(files.map(Self.json)),
            "spend": .array(spend.map(\.json)),
            "notifications": notifications.json,
        ])
    }

    static func json(_ file: File) -> JSONValue {
        let d = file.drop
        var object: JSONObject = [
            "drop": .int(Int(d.id ?? 0)), "pipeline": .string(d.pipeline), "name": .string(d.sourceName),
            "stage": .string(d.stage.rawValue), "origin": .string(d.origin.rawValue), "sha256": .string(d.sha256),
            "bytes": .int(Int(d.bytes)),
            "rows": [
                "total": d.rowsIn.map { .int($0) } ?? .null, "succeeded": .int(file.succeeded),
                "failed": .int(file.failed),
            ],
            "chunks": .int(file.chunks),
            "received_at": .string(timestamp(d.receivedAt)),
            "age_seconds": .int(Int(Date().timeIntervalSince(d.receivedAt))),
        ]
        object["progress"] = FileProgress(file: file, now: Date()).json
        if let reason = d.reason { object["reason"] = .string(reason) }
        if let spend = file.spend {
            if d.stage == .awaitingApproval, let hold = spend.hold { object["hold"] = holdJSON(hold, spend) }
            object["spend"] = spendJSON(spend)
        }
        if let alert = d.alert { object["alert"] = .string(alert) }
        if let path = d.manifestPath { object["manifest"] = .string(path) }
        if let twin = d.sameAs { object["reused_from_drop"] = .int(Int(twin)) }
        object["batches"] = .array(
            file.progress.compactMap { item -> JSONValue? in
                guard let b = item.batch else { return nil }
                var batch: JSONObject = [
                    "chunk": .int(item.chunk.seq), "requests": .int(item.chunk.requests), "bytes": .int(item.chunk.bytes),
                    "id": b.providerBatchID.map { .string($0) } ?? .null, "stage": .string(b.state.rawValue),
                    "status": b.providerStatus.map { .string($0) } ?? .null, "total": .int(b.total),
                    "succeeded": .int(b.succeeded), "failed": .int(b.failed),
                ]
                if let error = b.lastError { batch["last_error"] = .string(error) }
                return .object(batch)
            })
        return .object(object)
    }

    static func timestamp(_ date: Date) -> String {
        UTCTimestamp.string(from: date)
    }
}
