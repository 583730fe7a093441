import Foundation
import SluiceJSON

extension Manifest {
    /// What `sluice cancel` stopped: the whole file or some of its batches, when, and the rows it left unanswered.
    public struct Cancelled: Sendable {
        /// `file` or `batches`.
        public var scope: String
        public var requestedAt: Date
        /// Provider batches the cancel covered.
        public var batches: [String]
        /// Rows failed as `batch.cancelled`.
        public var rows: Int
    }

    /// The manifest a `sluice retry` replaced.
    public struct Previous: Sendable {
        public var generation: Int
        public var writtenAt: String?
        public var sha256: String?

        public init(generation: Int, writtenAt: String?, sha256: String?) {
            self.generation = generation
            self.writtenAt = writtenAt
            self.sha256 = sha256
        }

        /// As stored with the retry request and written into the manifest.
        public var json: JSONValue {
            [
                "generation": .int(generation), "written_at": writtenAt.map(JSONValue.string) ?? .null,
                "sha256": sha256.map(JSONValue.string) ?? .null,
            ]
        }

        /// Reads what `json` wrote.
        public init?(json: JSONValue) {
            guard case .int(let generation)? = json["generation"] else { return nil }
            self.init(
                generation: generation, writtenAt: json["written_at"]?.stringValue, sha256: json["sha256"]?.stringValue)
        }
    }

    /// The keys control commands add; absent for a file neither cancelled nor retried (generation 1 implicit).
    public struct Control: Sendable {
        public var cancelled: Cancelled?
        /// 2 and up after `sluice retry`; nil: the first generation.
        public var generation: Int?
        public var previous: Previous?

        func add(to object: inout JSONObject) {
            if let cancelled {
                object["cancelled"] = [
                    "by": "sluice cancel", "scope": .string(cancelled.scope),
                    "requested_at": .string(cancelled.requestedAt.formatted(.iso8601)),
                    "batches": .array(cancelled.batches.map(JSONValue.string)), "rows": .int(cancelled.rows),
                ]
            }
            if let generation { object["generation"] = .int(generation) }
            if let previous { object["previous"] = previous.json }
        }
    }
}
