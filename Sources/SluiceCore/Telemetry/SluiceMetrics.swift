import Foundation
import Metrics

/// The metrics the engine reports, through swift-metrics (a no-op until a process bootstraps a backend, as
/// `sluice run` does with Prometheus).
///
/// Names and label names are a contract (dashboards and alerts use them). Every metric always carries the same
/// label names: Prometheus registries refuse one name with two label sets. Counters count what this process did
/// (a restart starts them at 0); gauges mirror the state database and are set by `StateGauges`.
public enum SluiceMetrics {
    public static let backlogFiles = "sluice_inbox_backlog_files"
    public static let backlogBytes = "sluice_inbox_backlog_bytes"
    public static let rows = "sluice_rows"
    public static let batches = "sluice_batches"
    public static let requestsSent = "sluice_requests_sent_total"
    public static let retries = "sluice_retries_total"
    public static let rowsSucceeded = "sluice_rows_succeeded_total"
    public static let rowsFailed = "sluice_rows_failed_total"
    public static let inputTokens = "sluice_input_tokens_total"
    public static let outputTokens = "sluice_output_tokens_total"
    public static let usd = "sluice_usd_total"
    public static let providerCall = "sluice_provider_call_seconds"
    public static let completionToOutbox = "sluice_completion_to_outbox_seconds"

    /// Requests a new batch carries, counted when the provider accepted it.
    static func sent(_ requests: Int, pipeline: String, provider: String) {
        Counter(label: requestsSent, dimensions: [("pipeline", pipeline), ("provider", provider)])
            .increment(by: requests)
    }

    /// Rows sent again in a retry round, by the kind of their last failure.
    static func retried(_ byKind: [String: Int], pipeline: String) {
        for (kind, rows) in byKind {
            Counter(label: retries, dimensions: [("pipeline", pipeline), ("category", kind)]).increment(by: rows)
        }
    }

    /// What one written manifest says the file produced and cost.
    static func manifest(_ manifest: Manifest, completedAt: Date?) {
        let pipeline = [("pipeline", manifest.pipeline)]
        Counter(label: rowsSucceeded, dimensions: pipeline).increment(by: manifest.succeeded)
        Counter(label: rowsFailed, dimensions: pipeline).increment(by: manifest.failed)
        Counter(label: inputTokens, dimensions: pipeline).increment(by: manifest.inputTokens)
        Counter(label: outputTokens, dimensions: pipeline).increment(by: manifest.outputTokens)
        // Rounded as the manifest writes it, so the counter is the sum of the manifests' `cost.usd_actual`.
        if let actual = manifest.cost.actualUSD.map(USD.rounded), actual > 0 {
            FloatingPointCounter(label: usd, dimensions: pipeline).increment(by: actual)
        }
        if let completedAt, let writtenAt = manifest.writtenAt {
            let seconds = max(0, writtenAt.timeIntervalSince(completedAt))
            Metrics.Timer(label: completionToOutbox, dimensions: pipeline)
                .recordNanoseconds(Int64(seconds * 1_000_000_000))
        }
    }
}
