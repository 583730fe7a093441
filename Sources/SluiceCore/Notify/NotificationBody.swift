import Foundation
import SluiceJSON

/// Builds the rows to enqueue for a pipeline's events: the JSON body, fixed once, and the uniqueness key.
public struct NotificationDraft: Sendable {
    public let notify: NotifySpec
    public let pipeline: String
    public let dropID: Int64
    public let fileName: String

    public init(notify: NotifySpec, pipeline: String, dropID: Int64, fileName: String) {
        self.notify = notify
        self.pipeline = pipeline
        self.dropID = dropID
        self.fileName = fileName
    }

    /// The manifest keys a receiver gets: enough to act on without reading the file.
    static let manifestKeys = [
        "status", "reason", "source", "counts", "failures_by_kind", "alerts", "outputs", "cost", "batches", "timings",
        "chained",
    ]

    /// `complete` or `rejected` for a written manifest, plus `failure_rate` when the file crossed the threshold.
    public func forManifest(_ manifest: Manifest, path: String, now: Date = Date()) -> [NotificationRecord] {
        let generation = Self.generation(manifest.writtenAt ?? now)
        let summary = JSONObject(
            (manifest.json.objectValue ?? [:]).filter { Self.manifestKeys.contains($0.key) }.map { ($0.key, $0.value) })
        let event: NotificationEvent = manifest.status == "rejected" ? .rejected : .complete
        var records = [record(event, key: "\(event.rawValue):\(generation)", path: path, now: now) { $0["manifest"] = .object(summary) }]
        if event == .complete, let threshold = notify.failureRate, manifest.rowsIn > 0 {
            let rate = Double(manifest.failed) / Double(manifest.rowsIn)
            if rate >= threshold {
                records.append(
                    record(.failureRate, key: "failure_rate:\(generation)", path: path, now: now) {
                        $0["alert"] = [
                            "failure_rate": .double(rate), "threshold": .double(threshold),
                            "failed": .int(manifest.failed), "rows_in": .int(manifest.rowsIn),
                            "message": .string(
                                "\(manifest.failed) of \(manifest.rowsIn) rows failed, at or above notify.failure_rate "
                                    + "\(threshold)"),
                        ]
                        $0["manifest"] = .object(summary)
                    })
            }
        }
        return records
    }

    /// `held`: the file waits at `awaiting-approval`; nothing was sent, there is no manifest yet.
    public func forHold(_ hold: BudgetHold, now: Date = Date()) -> NotificationRecord {
        record(.held, key: "held", path: nil, now: now) {
            $0["hold"] = [
                "reason": .string(hold.reason), "limit": .string("budget." + hold.limit.rawValue),
                "limit_usd": .double(hold.limitUSD), "estimated_usd": hold.estimatedUSD.map(JSONValue.double) ?? .null,
                "day": .string(hold.day),
            ]
            $0["manifest"] = .null
        }
    }

    private func record(
        _ event: NotificationEvent, key: String, path: String?, now: Date, _ fill: (inout JSONObject) -> Void
    ) -> NotificationRecord {
        let id = UUID().uuidString.lowercased()
        var body: JSONObject = [
            "delivery_id": .string(id), "event": .string(event.rawValue), "pipeline": .string(pipeline),
            "file": .string(fileName), "drop": .int(Int(dropID)), "manifest_path": path.map(JSONValue.string) ?? .null,
            // When the event happened; the send time of each attempt is the signature's t=.
            "created_at": .string(now.formatted(.iso8601)),
        ]
        fill(&body)
        return NotificationRecord(
            deliveryID: id, key: "drop:\(dropID):\(key)", dropID: dropID, pipeline: pipeline, event: event,
            url: notify.url, secretEnv: notify.secretEnv, body: JSONWriter.string(.object(body)), createdAt: now,
            nextAttemptAt: now)
    }

    /// A manifest's generation in keys: its `written_at` in milliseconds since the epoch.
    static func generation(_ writtenAt: Date) -> String {
        String(Int64((writtenAt.timeIntervalSince1970 * 1000).rounded()))
    }
}
