import Foundation
import SluiceJSON

/// The manifest of one input file: written last, its presence means the other outputs are complete.
public struct Manifest: Sendable {
    /// One output file.
    public struct Output: Sendable {
        public var path: String
        public var rows: Int
        public var sha256: String
    }

    /// One provider batch.
    public struct Batch: Sendable {
        public var provider: String
        public var id: String
        public var status: String
        public var requests: Int
    }

    public var pipeline: String
    public var status: String
    public var reason: String?
    public var specSHA256: String
    /// The spec's provider and model: with `batches`, what answered the rows.
    public var provider: String?
    public var model: String?
    public var sourceName: String
    public var sourceBytes: Int64
    public var sourceSHA256: String
    public var rowsIn: Int
    public var outputs: [Output] = []
    public var succeeded = 0
    public var failed = 0
    public var deduped = 0
    public var cached = 0
    public var inputTokens = 0
    public var outputTokens = 0
    /// Estimated, actual and realtime-equivalent cost; the engine sets it for every manifest it writes.
    public var cost = DropCost.nothingSent(basis: .batch, price: nil, note: "nothing was sent")
    public var batches: [Batch] = []
    public var receivedAt: Date
    public var submittedAt: Date?
    public var completedAt: Date?
    public var writtenAt: Date?
    /// Failed rows per category, for a glance at why.
    public var failuresByCategory: [String: Int] = [:]
    /// Failed rows per `FailureKind` (the finer, cross-provider reason).
    public var failuresByKind: [String: Int] = [:]
    /// Retry rounds run, rows sent more than once, and rows a retry turned into successes.
    public struct Retries: Sendable {
        public var rounds = 0
        public var rows = 0
        public var recovered = 0
    }
    public var retries = Retries()
    /// Why the file is flagged, e.g. its failure rate crossed `alerts.max_failure_rate`.
    public var alerts: [(code: String, message: String)] = []

    /// What went on to the next pipeline (`then:`): decided before this manifest is written, the file renamed
    /// into the next inbox right after it (so the manifest names a file that may appear a moment later).
    public struct Chained: Sendable {
        public var pipeline: String
        /// The file's name in `inbox/<pipeline>/`; nil when no row went on (nothing was dropped).
        public var file: String?
        public var rows: Int
        /// The `where:` filter as text, e.g. `urgency >= 4`; nil: every enriched row.
        public var filter: String?
        public var note: String?
    }
    /// Set for a pipeline with `then:`; nil otherwise.
    public var chained: Chained?
    /// `cancelled`, `generation`, `previous` (Manifest+Control.swift).
    public var control = Control()

    /// The manifest as JSON, keys in the order DESIGN.md shows them.
    public var json: JSONValue {
        var object: JSONObject = [
            "pipeline": .string(pipeline), "status": .string(status),
        ]
        if let reason { object["reason"] = .string(reason) }
        object["spec_sha256"] = .string(specSHA256)
        if let provider { object["provider"] = .string(provider) }
        if let model { object["model"] = .string(model) }
        object["source"] = [
            "name": .string(sourceName), "bytes": .int(Int(sourceBytes)), "sha256": .string(sourceSHA256),
            "rows": .int(rowsIn),
        ]
        object["outputs"] = .array(
            outputs.map { ["path": .string($0.path), "rows": .int($0.rows), "sha256": .string($0.sha256)] })
        object["counts"] = [
            "rows_in": .int(rowsIn), "succeeded": .int(succeeded), "failed": .int(failed), "deduped": .int(deduped),
            "cached": .int(cached),
        ]
        object["failures_by_category"] = .object(
            JSONObject(failuresByCategory.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.int($0.value)) }))
        object["failures_by_kind"] = .object(
            JSONObject(failuresByKind.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.int($0.value)) }))
        object["retries"] = [
            "rounds": .int(retries.rounds), "rows": .int(retries.rows), "recovered": .int(retries.recovered),
        ]
        object["alerts"] = .array(alerts.map { ["code": .string($0.code), "message": .string($0.message)] })
        if let chained {
            var entry: JSONObject = [
                "pipeline": .string(chained.pipeline), "file": chained.file.map(JSONValue.string) ?? .null,
                "rows": .int(chained.rows), "where": chained.filter.map(JSONValue.string) ?? .null,
            ]
            if let note = chained.note { entry["note"] = .string(note) }
            object["chained"] = .object(entry)
        }
        control.add(to: &object)
        object["usage"] = ["input_tokens": .int(inputTokens), "output_tokens": .int(outputTokens)]
        object["cost"] = cost.json
        object["batches"] = .array(
            batches.map {
                ["provider": .string($0.provider), "id": .string($0.id), "status": .string($0.status),
                 "requests": .int($0.requests)]
            })
        object["timings"] = [
            "received_at": Self.timestamp(receivedAt), "submitted_at": Self.timestamp(submittedAt),
            "completed_at": Self.timestamp(completedAt), "written_at": Self.timestamp(writtenAt),
        ]
        return .object(object)
    }

    private static func timestamp(_ date: Date?) -> JSONValue {
        guard let date else { return .null }
        return .string(date.formatted(.iso8601))
    }
}
