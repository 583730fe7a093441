import SluiceJSON

/// Webhook deliveries in `sluice status`.
public struct NotificationStatus: Sendable {
    public var counts = NotificationCounts()
    /// Pending and abandoned deliveries, newest first.
    public var open: [NotificationRecord] = []

    public init() {}

    static func load(store: StateStore) async throws -> NotificationStatus {
        var status = NotificationStatus()
        (status.counts, status.open) = try await store.notificationSummary()
        return status
    }

    private static func json(_ n: NotificationRecord) -> JSONValue {
        let entry: JSONObject = [
            "delivery_id": .string(n.deliveryID), "event": .string(n.event.rawValue), "pipeline": .string(n.pipeline),
            "drop": n.dropID.map { JSONValue.int(Int($0)) } ?? .null, "state": .string(n.state.rawValue),
            "attempts": .int(n.attempts), "url": .string(NotifyURL.redacted(n.url)),
            "created_at": .string(StatusReport.timestamp(n.createdAt)),
            "next_attempt_at": .string(StatusReport.timestamp(n.nextAttemptAt)),
            "last_status": n.lastStatus.map { JSONValue.int($0) } ?? .null,
            "last_error": n.lastError.map(JSONValue.string) ?? .null,
        ]
        return .object(entry)
    }

    /// `{pending, delivered, abandoned, open: [...]}`; URLs without their query.
    public var json: JSONValue {
        .object([
            "pending": .int(counts.pending), "delivered": .int(counts.delivered), "abandoned": .int(counts.abandoned),
            "open": .array(open.map(Self.json)),
        ])
    }
}
